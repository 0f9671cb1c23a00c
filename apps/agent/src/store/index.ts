// The agent's local libSQL database: created 0600, WAL, migrated at open, one connection.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createClient } from '@libsql/client';
import { migrateSqlite } from '@voicesync/schema/sqlite';
import { drizzle } from 'drizzle-orm/libsql';
import { Db } from './db.ts';

export type { InStatement, ResultSet, Row, Value } from './db.ts';
export { Db } from './db.ts';

export interface Store {
  client: Db;
  path: string;
  close(): void;
}

export interface StoreOptions {
  synchronous?: 'FULL' | 'NORMAL';
  /**
   * Page cache and memory map in MiB; default 64 and 256, the original design's. 0 keeps SQLite's own
   * defaults (2 MiB cache, no mmap): the writes benchmark opens both to compare them.
   */
  cacheMiB?: number;
  mmapMiB?: number;
}

export const DEFAULT_CACHE_MIB = 64;
export const DEFAULT_MMAP_MIB = 256;

/** Create the file (and its WAL side files) readable by the owner only: it holds biometric data. */
function ensurePrivateFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
}

export async function openStore(file: string, options: StoreOptions = {}): Promise<Store> {
  const path = resolve(file);
  ensurePrivateFile(path);
  // drizzle's migrator speaks @libsql/client: it migrates on a connection of its own, closed after.
  const migrator = createClient({ url: `file:${path}`, intMode: 'number', concurrency: 1 });
  try {
    await migrator.execute('PRAGMA journal_mode = WAL');
    await migrateSqlite(drizzle(migrator));
  } finally {
    migrator.close();
  }
  // Then one connection for everything: every libSQL call is synchronous, so more would only add locking.
  const client = new Db(path);
  await client.execute(`PRAGMA synchronous = ${options.synchronous ?? 'FULL'}`);
  await client.execute('PRAGMA busy_timeout = 5000');
  // Reads that miss the in-memory index (profile GETs, outbox scans, pulls) are then served from
  // process memory or the mapped OS page cache. Writes measured the same either way (docs/decisions.md).
  const cacheMiB = options.cacheMiB ?? DEFAULT_CACHE_MIB;
  if (cacheMiB > 0) await client.execute(`PRAGMA cache_size = ${-Math.round(cacheMiB * 1024)}`);
  const mmapBytes = Math.round((options.mmapMiB ?? DEFAULT_MMAP_MIB) * 1024 * 1024);
  await client.execute(`PRAGMA mmap_size = ${mmapBytes}`);
  for (const side of [`${path}-wal`, `${path}-shm`]) if (existsSync(side)) chmodSync(side, 0o600);
  return { client, path, close: () => client.close() };
}

/** Small key/value rows of `sync_state`. */
export async function readState(store: Store, key: string): Promise<string | undefined> {
  const rs = await store.client.execute({ sql: 'SELECT value FROM sync_state WHERE key = ?', args: [key] });
  const value = rs.rows[0]?.value;
  return typeof value === 'string' ? value : undefined;
}

export function writeStateStatement(key: string, value: string) {
  return {
    sql: 'INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    args: [key, value],
  };
}
