// SQLite (libSQL) dialect of the schema.
export * from './tables.ts';
export { migrateSqlite, sqliteMigrationsFolder } from './migrate.ts';
