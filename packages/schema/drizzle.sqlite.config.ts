// drizzle-kit config that generates the agent's libSQL migrations: `npm run generate -w @voicesync/schema`.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './src/sqlite/tables.ts',
  out: './migrations/sqlite',
});
