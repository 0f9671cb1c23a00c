// The one place where error codes become HTTP statuses; every error leaves as { error: { code, message } }.
import { type ErrorCode, VoicesyncError } from '@voicesync/core';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';

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

export function zodError(error: ZodError): VoicesyncError {
  const issue = error.issues[0];
  const path = issue?.path.join('.') ?? '';
  return new VoicesyncError('invalid_body', `${path ? `${path}: ` : ''}${issue?.message ?? 'invalid body'}`, {
    details: { path },
  });
}

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

/** Largest request body the API reads (a 1,000-sample enrolment of 192-d vectors fits). */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * The body as text, at most MAX_BODY_BYTES. On the Node server it is read straight from the
 * socket's IncomingMessage: converting it to a web stream first costs about a third of a
 * verification's time.
 */
async function readBody(c: Context): Promise<string> {
  const declared = Number(c.req.header('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES)
    throw new VoicesyncError('payload_too_large', 'request body is larger than 4 MiB');
  const incoming = (c.env as { incoming?: AsyncIterable<Buffer> } | undefined)?.incoming;
  if (!incoming) {
    const text = await c.req.text();
    if (Buffer.byteLength(text) > MAX_BODY_BYTES)
      throw new VoicesyncError('payload_too_large', 'request body is larger than 4 MiB');
    return text;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of incoming) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES)
      throw new VoicesyncError('payload_too_large', 'request body is larger than 4 MiB');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** `application/json`, optionally with `charset=utf-8`: the only body the API reads. */
const JSON_TYPE = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

/**
 * Parses a JSON body, turning malformed JSON into a 400 instead of a 500. A body without a
 * content type is read as JSON (scripts often omit it); any other type is refused, so a form or
 * `text/plain` post from a web page never reaches a route.
 */
export async function readJson(c: Context): Promise<unknown> {
  const type = c.req.header('content-type');
  if (type !== undefined && !JSON_TYPE.test(type.trim())) {
    throw new VoicesyncError('unsupported_media_type', `send application/json (got ${type})`);
  }
  const text = await readBody(c);
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new VoicesyncError('invalid_json', 'request body is not valid JSON', { cause });
  }
}

/** A `limit` query parameter: `fallback` when absent, else an integer from 1 to `max`. */
export function queryLimit(raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const limit = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(limit) || limit < 1 || limit > max) {
    throw new VoicesyncError(
      'invalid_query',
      `limit must be an integer from 1 to ${max}, got ${JSON.stringify(raw)}`,
    );
  }
  return limit;
}
