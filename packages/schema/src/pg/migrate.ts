// Applies the checked-in PostgreSQL migrations (Node only: used by the CLI, `npm start` and tests).
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { withVerifiedTls } from './tls.ts';

export const pgMigrationsFolder = fileURLToPath(new URL('../../migrations/pg', import.meta.url));

/**
 * Brings the database at `url` to the latest schema; safe to run any number of times. A host off
 * this machine gets verified TLS unless the URL sets `sslmode` (`withVerifiedTls`).
 */
export async function migratePostgres(url: string): Promise<void> {
  const sql = postgres(withVerifiedTls(url), { max: 1, onnotice: () => {} });
  try {
    await migrate(drizzle(sql), { migrationsFolder: pgMigrationsFolder });
  } finally {
    await sql.end({ timeout: 5 });
  }
}
