// The one place where error codes become HTTP statuses; every error leaves as { error: { code, message } }.
import { type ErrorCode, VoicesyncError } from '@voicesync/core';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

const STATUS: Readonly<Partial<Record<ErrorCode, ContentfulStatusCode>>> = {
  invalid_json: 400,
  invalid_body: 400,
  invalid_speaker_id: 400,
  invalid_embedding: 400,
  dimension_mismatch: 400,
  non_finite: 400,
  zero_norm: 400,
  invalid_k: 400,
  invalid_dimension: 400,
  backend_unavailable: 503,
  invalid_query: 400,
  forbidden: 403,
  not_found: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
  storage_full: 507,
  storage_busy: 503,
  storage_unavailable: 503,
};

/** Codes whose answer says to retry in a second: the local database may be free again by then. */
const RETRY_SOON: ReadonlySet<ErrorCode> = new Set(['storage_busy', 'storage_unavailable']);

/** Every failure leaves as the one error type, mapped to a status here and nowhere else. */
export function errorResponse(error: unknown, c: Context): Response {
  const known = asVoicesyncError(error);
  const status =
    known.code === 'http_error' && error instanceof HTTPException
      ? error.status
      : (STATUS[known.code] ?? 500);
  if (RETRY_SOON.has(known.code)) c.header('Retry-After', '1');
  return c.json({ error: { code: known.code, message: known.message, ...(known.details ?? {}) } }, status);
}

/** Any thrown value as a VoicesyncError (a ScoringError is one already); the unexpected become `internal`. */
export function asVoicesyncError(error: unknown): VoicesyncError {
  if (error instanceof VoicesyncError) return error;
  if (error instanceof HTTPException)
    return new VoicesyncError('http_error', error.message, { cause: error });
  return storageError(error) ?? new VoicesyncError('internal', 'internal error', { cause: error });
}

/**
 * A local database failure the operator can act on, instead of an opaque 500. The write's
 * transaction rolled back: nothing was acknowledged, and authentication keeps answering from memory.
 */
function storageError(error: unknown): VoicesyncError | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return undefined;
  if (code === 'SQLITE_FULL') {
    return new VoicesyncError(
      'storage_full',
      'the local database is full (disk space or its size limit): nothing was written',
      { cause: error },
    );
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new VoicesyncError('storage_busy', 'the local database is busy: nothing was written, retry', {
      cause: error,
    });
  }
  if (
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_IOERR') ||
    code.startsWith('SQLITE_CANTOPEN')
  ) {
    return new VoicesyncError(
      'storage_unavailable',
      `the local database cannot be written (${code}): nothing was written`,
      { cause: error },
    );
  }
  return undefined;
}
