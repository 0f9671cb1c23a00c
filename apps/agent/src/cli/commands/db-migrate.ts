// `voicesync db migrate`: brings PostgreSQL (DATABASE_URL or --url) and/or a local agent libSQL file to the latest schema.
import { errorCode, VoicesyncError } from '@voicesync/core';
import { migratePostgres } from '@voicesync/schema/pg/migrate';
import { type Command, Option } from 'commander';
import { openStore } from '../../store/index.ts';
import { withTlsDefault } from './postgres-tls.ts';

interface MigrateFlags {
  url?: string;
  agentDb?: string;
}

/** host:port/database only: the URL's user and password must not reach the terminal or CI logs. */
function describe(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname}`;
  } catch {
    throw new VoicesyncError('invalid_usage', 'the PostgreSQL URL is not a valid URL');
  }
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'CONNECT_TIMEOUT']);

/**
 * Migrates the PostgreSQL at `url` and returns where (without credentials); an unreachable server
 * is `unreachable` (exit 3), anything else `migration_failed`, each with the driver's reason.
 */
export async function migratePostgresAt(url: string): Promise<string> {
  const target = describe(url);
  try {
    await migratePostgres(withTlsDefault(url, process.env));
  } catch (error) {
    const code = errorCode(error) ?? '';
    const kind = UNREACHABLE.has(code) ? 'unreachable' : 'migration_failed';
    throw new VoicesyncError(kind, `PostgreSQL at ${target}: ${code || (error as Error).message}`, {
      cause: error,
    });
  }
  return target;
}

async function migrate(flags: MigrateFlags): Promise<void> {
  if (!flags.url && !flags.agentDb) {
    throw new VoicesyncError('invalid_usage', 'give --url (or set DATABASE_URL) and/or --agent-db <file>');
  }
  if (flags.url) {
    const target = await migratePostgresAt(flags.url);
    console.log(`PostgreSQL at ${target}: schema up to date`);
  }
  if (flags.agentDb) {
    // Opening the store applies its migrations (and creates the file with mode 0600 if it is new).
    const store = await openStore(flags.agentDb);
    store.close();
    console.log(`agent database ${store.path}: schema up to date`);
  }
}

export function registerDbMigrate(program: Command): void {
  program
    .command('db')
    .description('database maintenance')
    .command('migrate')
    .description('apply pending migrations to PostgreSQL and/or a local agent database (safe to repeat)')
    .addOption(
      new Option(
        '--url <url>',
        'PostgreSQL connection URL (a non-loopback host gets sslmode=verify-full unless the URL or PGSSLMODE sets a mode)',
      ).env('DATABASE_URL'),
    )
    .option('--agent-db <file>', 'local agent libSQL file to migrate')
    .action(migrate);
}
