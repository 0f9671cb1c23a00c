// Applies the schema package's Postgres migrations to a freshly started harness server.
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { repoPath } from '../paths/index.ts';

/** Where packages/schema keeps `migratePostgres(url)`. */
export const migrationModulePath = repoPath('packages', 'schema', 'src', 'pg', 'migrate.ts');

type MigratePostgres = (url: string) => Promise<void>;

function isMigrateModule(value: unknown): value is { migratePostgres: MigratePostgres } {
  return typeof (value as { migratePostgres?: unknown } | null)?.migratePostgres === 'function';
}

/**
 * Runs `migratePostgres(url)` from packages/schema. The import is dynamic (and its path
 * computed) so the harness type-checks and loads before that module exists; a missing module
 * is an error that says to pass `migrate: false`.
 */
export async function applyMigrations(url: string): Promise<void> {
  if (!existsSync(migrationModulePath)) {
    throw new Error(`${migrationModulePath} does not exist; pass { migrate: false } to startPostgres`);
  }
  const module: unknown = await import(pathToFileURL(migrationModulePath).href);
  if (!isMigrateModule(module)) {
    throw new Error(`${migrationModulePath} does not export migratePostgres(url)`);
  }
  await module.migratePostgres(url);
}
