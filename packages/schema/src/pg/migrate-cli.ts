// `npm run migrate:pg -w @voicesync/schema` — migrates the database named by DATABASE_URL.
import { migratePostgres } from './migrate.ts';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is not set');
  process.exit(2);
}
await migratePostgres(url);
console.log('postgres schema is up to date');
