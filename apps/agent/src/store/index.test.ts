import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tempStore } from '../testing/index.ts';

describe('openStore', () => {
  it('creates the database and its WAL files readable by the owner only, in WAL mode', async () => {
    const previous = process.umask(0o022);
    try {
      const store = await tempStore();
      await store.client.execute("INSERT INTO sync_state (key, value) VALUES ('k', 'v')");
      for (const file of [store.path, `${store.path}-wal`, `${store.path}-shm`]) {
        expect(statSync(file).mode & 0o777, file).toBe(0o600);
      }
      const mode = await store.client.execute('PRAGMA journal_mode');
      expect(String(mode.rows[0]?.journal_mode)).toBe('wal');
      // FULL (2): a commit is on disk before a write is acknowledged.
      const sync = await store.client.execute('PRAGMA synchronous');
      expect(Number(sync.rows[0]?.synchronous)).toBe(2);
      store.cleanup();
    } finally {
      process.umask(previous);
    }
  });
});
