// The one place where error codes become HTTP statuses; every error leaves as { error: { code, message } }.
import { VoicesyncError } from '@voicesync/core';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ScoringError } from '../scoring/index.ts';

const STATUS: Record<string, ContentfulStatusCode> = {
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
};

export function errorResponse(error: unknown, c: Context): Response {
  if (error instanceof VoicesyncError || error instanceof ScoringError) {
    const status = STATUS[error.code] ?? 500;
    const details = error instanceof VoicesyncError ? error.details : undefined;
    return c.json({ error: { code: error.code, message: error.message, ...(details ?? {}) } }, status);
  }
  if (error instanceof HTTPException) {
    return c.json({ error: { code: 'http_error', message: error.message } }, error.status);
  }
  const storage = storageError(error);
  if (storage) {
    if (storage.status === 503) c.header('Retry-After', '1');
    return c.json({ error: { code: storage.code, message: storage.message } }, storage.status);
  }
  return c.json({ error: { code: 'internal', message: 'internal error' } }, 500);
}

/**
 * A local database failure the operator can act on, instead of an opaque 500. The write's
 * transaction rolled back: nothing was acknowledged, and authentication keeps answering from memory.
 */
function storageError(
  error: unknown,
): { status: ContentfulStatusCode; code: string; message: string } | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return undefined;
  if (code === 'SQLITE_FULL') {
    return {
      status: 507,
      code: 'storage_full',
      message: 'the local database is full (disk space or its size limit): nothing was written',
    };
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return {
      status: 503,
      code: 'storage_busy',
      message: 'the local database is busy: nothing was written, retry',
    };
  }
  if (
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_IOERR') ||
    code.startsWith('SQLITE_CANTOPEN')
  ) {
    return {
      status: 503,
      code: 'storage_unavailable',
      message: `the local database cannot be written (${code}): nothing was written`,
    };
  }
  return undefined;
}
