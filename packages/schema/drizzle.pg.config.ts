// drizzle-kit config that generates the PostgreSQL migrations: `npm run generate -w @voicesync/schema`.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/pg/tables.ts',
  out: './migrations/pg',
});
