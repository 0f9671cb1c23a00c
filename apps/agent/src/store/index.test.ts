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

  it("opens with a 64 MiB page cache and 256 MiB of mmap, or SQLite's defaults when given 0", async () => {
    const store = await tempStore();
    try {
      expect(Number((await store.client.execute('PRAGMA cache_size')).rows[0]?.cache_size)).toBe(-65536);
      expect(Number((await store.client.execute('PRAGMA mmap_size')).rows[0]?.mmap_size)).toBe(
        256 * 1024 * 1024,
      );
    } finally {
      store.cleanup();
    }
    const dir = mkdtempSync(join(tmpdir(), 'voicesync-unit-'));
    const plain = await openStore(join(dir, 'agent.db'), { cacheMiB: 0, mmapMiB: 0 });
    try {
      expect(Number((await plain.client.execute('PRAGMA cache_size')).rows[0]?.cache_size)).toBe(-2000);
      expect(Number((await plain.client.execute('PRAGMA mmap_size')).rows[0]?.mmap_size)).toBe(0);
    } finally {
      plain.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
