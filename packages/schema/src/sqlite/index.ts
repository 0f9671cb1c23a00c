// SQLite (libSQL) dialect of the schema.
export * from './tables.ts';
export { migrateSqlite } from './migrate.ts';
