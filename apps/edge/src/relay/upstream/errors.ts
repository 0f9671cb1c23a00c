// Which upstream errors break a connection, which count against the breaker, and what callers see.
import { VoicesyncError, errorMessage } from '@voicesync/core';
import postgres from 'postgres';

interface PostgresServerError {
  name: 'PostgresError';
  code: string;
}

/**
 * postgres.js names its error from its class (`this.constructor.name`), which a bundle built
 * without keep_names (wrangler.toml) could rename: its class is checked first.
 */
function isServerError(error: unknown): error is PostgresServerError {
  return (
    error instanceof Error &&
    (error instanceof postgres.PostgresError || error.name === 'PostgresError') &&
    typeof (error as { code?: unknown }).code === 'string'
  );
}

/** True when the client must be discarded: anything but a server error, or a server error about the connection itself. */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof VoicesyncError) return error.code === 'upstream_error';
  if (isServerError(error)) return /^(08|57P)/.test(error.code);
  return true;
}

/**
 * SQLSTATE classes that blame the statement or its data, not the server: feature not supported
 * (0A), cardinality (21), data exception (22), integrity (23), SQL routine and syntax or access
 * (2F, 3F, 42), check option (44), program limit (54). PostgreSQL answered, so it is up.
 */
const STATEMENT_ERROR = /^(0A|21|22|23|2F|3F|42|44|54)/;

/** True for a server error that blames the statement (see STATEMENT_ERROR), not PostgreSQL's health. */
export function isStatementError(error: unknown): boolean {
  return isServerError(error) && STATEMENT_ERROR.test(error.code);
}

/**
 * Connection errors and server errors about PostgreSQL's state (too many clients, shutdown, a
 * statement timeout, a read-only failover, I/O) count as breaker failures. Our own refusals (a
 * mutation gap) and statement errors do not: a bug in one query must not open the circuit for
 * every device and every route.
 */
export function countsAsFailure(error: unknown): boolean {
  if (error instanceof VoicesyncError) return error.code === 'upstream_error';
  return !isStatementError(error);
}

/** A statement PostgreSQL refused as written: a server bug (500), logged with its SQLSTATE only. */
export function statementError(error: unknown): VoicesyncError {
  const sqlState = isServerError(error) ? error.code : 'unknown';
  console.error(`database refused a statement ${sqlState}: ${errorMessage(error)}`);
  return new VoicesyncError('database_error', `PostgreSQL refused a statement (${sqlState})`, {
    cause: error,
    details: { sqlState },
  });
}

/** A failure as callers see it: retryable, without the driver's message details (they can hold parameters). */
export function upstreamError(error: unknown): VoicesyncError {
  if (error instanceof VoicesyncError) return error;
  const sqlState = isServerError(error) ? error.code : undefined;
  console.error(`upstream error${sqlState ? ` ${sqlState}` : ''}: ${errorMessage(error)}`);
  return new VoicesyncError(
    'upstream_error',
    sqlState ? `PostgreSQL refused the operation (${sqlState})` : 'PostgreSQL connection failed',
    { cause: error, details: sqlState ? { retryAfterMs: 1000, sqlState } : { retryAfterMs: 1000 } },
  );
}
