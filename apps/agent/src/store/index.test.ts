import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempStore } from '../testing/index.ts';
import { openStore } from './index.ts';

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

  it("keeps SQLite's page cache and mmap defaults unless asked (the writes benchmark compares both)", async () => {
    const plain = await tempStore();
    try {
      expect(Number((await plain.client.execute('PRAGMA cache_size')).rows[0]?.cache_size)).toBe(-2000);
      expect(Number((await plain.client.execute('PRAGMA mmap_size')).rows[0]?.mmap_size)).toBe(0);
    } finally {
      plain.cleanup();
    }
    const dir = mkdtempSync(join(tmpdir(), 'voicesync-unit-'));
    const tuned = await openStore(join(dir, 'agent.db'), { cacheMiB: 64, mmapMiB: 256 });
    try {
      expect(Number((await tuned.client.execute('PRAGMA cache_size')).rows[0]?.cache_size)).toBe(-65536);
      expect(Number((await tuned.client.execute('PRAGMA mmap_size')).rows[0]?.mmap_size)).toBe(
        256 * 1024 * 1024,
      );
    } finally {
      tuned.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
