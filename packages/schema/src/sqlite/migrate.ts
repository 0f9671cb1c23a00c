// Applies the checked-in libSQL migrations to the agent's database at start.
import { fileURLToPath } from 'node:url';
import type { LibSQLDatabase } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';

export const sqliteMigrationsFolder = fileURLToPath(new URL('../../migrations/sqlite', import.meta.url));

export async function migrateSqlite(db: LibSQLDatabase): Promise<void> {
  await migrate(db, { migrationsFolder: sqliteMigrationsFolder });
}
