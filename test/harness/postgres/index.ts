// Throwaway PostgreSQL servers for tests: start, crash, restart, count connections.
import { findPgBinDir } from './binaries.ts';
import { applyMigrations } from './migrate.ts';
import { startNativeCluster } from './native-cluster.ts';
import { startPgliteCluster } from './pglite-cluster.ts';
import type { PostgresHandle, StartPostgresOptions } from './types.ts';

export { countConnections, sampleConnections } from './connections.ts';
export type { ConnectionSample, ConnectionSampler, CountOptions } from './connections.ts';
export { findPgBinDir } from './binaries.ts';
export { migrationModulePath } from './migrate.ts';
export type { PostgresHandle, PostgresSetting, StartPostgresOptions } from './types.ts';

async function startEngine(options: StartPostgresOptions): Promise<PostgresHandle> {
  const engine = options.engine ?? 'auto';
  if (engine === 'pglite') return startPgliteCluster(options, "engine 'pglite' requested");
  const binDir = findPgBinDir();
  if (binDir) return startNativeCluster(binDir, options);
  if (engine === 'postgres')
    throw new Error('engine "postgres" requested but no PostgreSQL binaries were found');
  return startPgliteCluster(
    options,
    'No PostgreSQL binaries found (PG_BIN, pg_config, /usr/lib/postgresql/*/bin)',
  );
}

/**
 * Starts a private PostgreSQL server for one test file: a fresh cluster in a temp dir on a
 * free 127.0.0.1 port with a `voicesync` database (trust auth, user `postgres`), migrated with
 * packages/schema's `migratePostgres` unless `migrate: false`. Falls back to PGlite, with a
 * warning on stderr, only when no PostgreSQL binaries exist. Everything is removed by
 * `destroy()` or, failing that, when the process exits.
 *
 * @example
 * const pg = await startPostgres({ maxConnections: 20 });
 * await pg.kill();   // crash: connections refused
 * await pg.start();  // same port, same data
 * await pg.destroy();
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresHandle> {
  const handle = await startEngine(options);
  if (options.migrate === false) return handle;
  try {
    await applyMigrations(handle.url);
  } catch (error) {
    await handle.destroy();
    throw error;
  }
  return handle;
}
