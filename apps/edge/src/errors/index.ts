// Errors of the edge: the code -> status table, Relay results, and the `app.onError` response.
import type { VoicesyncError } from '@voicesync/core';
import type { Context } from 'hono';
import { asVoicesyncError, statusOf } from './codes.ts';

export * from './codes.ts';
export * from './result.ts';

/** Retry-After in whole seconds (at least 1) for errors that carry `retryAfterMs`. */
function retryAfterSeconds(error: VoicesyncError): string | undefined {
  const ms = error.details?.retryAfterMs;
  return typeof ms === 'number' ? String(Math.max(1, Math.ceil(ms / 1000))) : undefined;
}

/** `app.onError` handler: every error leaves as `{ error: { code, message, ...details } }`. */
export function errorResponse(thrown: unknown, c: Context): Response {
  const error = asVoicesyncError(thrown);
  const retryAfter = retryAfterSeconds(error);
  if (retryAfter) c.header('Retry-After', retryAfter);
  return c.json(
    { error: { ...error.details, code: error.code, message: error.message } },
    statusOf(error.code),
  );
}
