// Waits until a server answers a real query, and creates the test database once it does.
import postgres from 'postgres';

/** Client options for the harness's short-lived admin connections. */
export const harnessClientOptions = {
  max: 1,
  connect_timeout: 2,
  idle_timeout: 1,
  onnotice: () => {},
  connection: { application_name: 'voicesync-harness' },
} as const;

export interface WaitOptions {
  timeoutMs: number;
  /** Returns a reason when the server can no longer become ready (its process exited). */
  failure?: () => string | undefined;
}

/**
 * Resolves once `select 1` succeeds on `url`; retries connection refusals and "the database
 * system is starting up" until the deadline, then rejects with the last error as `cause`.
 */
export async function waitForPostgres(url: string, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const reason = options.failure?.();
    if (reason !== undefined) throw new Error(`postgres did not start: ${reason}`);
    const sql = postgres(url, harnessClientOptions);
    try {
      await sql`select 1`;
      return;
    } catch (error) {
      lastError = error;
    } finally {
      await sql.end({ timeout: 1 });
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`postgres at ${url} not ready after ${options.timeoutMs} ms`, { cause: lastError });
}

/** Creates `database` through `adminUrl` unless it exists. */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const sql = postgres(adminUrl, harnessClientOptions);
  try {
    const rows = await sql`select 1 from pg_database where datname = ${database}`;
    if (rows.length === 0) await sql.unsafe(`create database "${database.replaceAll('"', '""')}"`);
  } finally {
    await sql.end({ timeout: 1 });
  }
}
