// Which upstream errors break a connection, which count against the breaker, and what callers see.
import { VoicesyncError, errorMessage } from '@voicesync/core';

interface PostgresServerError {
  name: 'PostgresError';
  code: string;
}

function isServerError(error: unknown): error is PostgresServerError {
  return (
    error instanceof Error &&
    error.name === 'PostgresError' &&
    typeof (error as { code?: unknown }).code === 'string'
  );
}

/** True when the client must be discarded: anything but a server error, or a server error about the connection itself. */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof VoicesyncError) return error.code === 'upstream_error';
  if (isServerError(error)) return /^(08|57P)/.test(error.code);
  return true;
}

/** Connection and server errors count as breaker failures; our own refusals (a mutation gap) do not. */
export function countsAsFailure(error: unknown): boolean {
  if (error instanceof VoicesyncError) return error.code === 'upstream_error';
  return true;
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
