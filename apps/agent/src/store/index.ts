// The agent's local libSQL database: created 0600, WAL, migrated at open, one connection.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Client, createClient } from '@libsql/client';
import { migrateSqlite } from '@voicesync/schema/sqlite';
import { drizzle } from 'drizzle-orm/libsql';

export interface Store {
  client: Client;
  path: string;
  close(): void;
}

/** Create the file (and its WAL side files) readable by the owner only: it holds biometric data. */
function ensurePrivateFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
}

export async function openStore(
  file: string,
  options: { synchronous?: 'FULL' | 'NORMAL' } = {},
): Promise<Store> {
  const path = resolve(file);
  ensurePrivateFile(path);
  // One connection: every libSQL call is synchronous underneath, so more would only add locking.
  const client = createClient({ url: `file:${path}`, intMode: 'number', concurrency: 1 });
  await client.execute('PRAGMA journal_mode = WAL');
  await client.execute(`PRAGMA synchronous = ${options.synchronous ?? 'FULL'}`);
  await client.execute('PRAGMA busy_timeout = 5000');
  await migrateSqlite(drizzle(client));
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
