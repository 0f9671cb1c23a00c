// The edge's HTTP status for each code of the shared `ErrorCode` list (packages/core), for `app.onError` and Relay results.
import { type ErrorCode, errorMessage, VoicesyncError } from '@voicesync/core';
import { MUTATION_GAP } from '@voicesync/schema';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Codes the edge gives; any other code of the list (the agent's) would be a bug here, hence 500. */
const STATUS_BY_CODE: Readonly<Partial<Record<ErrorCode, ContentfulStatusCode>>> = {
  invalid_json: 400,
  invalid_batch: 400,
  invalid_request: 400,
  invalid_query: 400,
  unauthorized: 401,
  device_revoked: 403,
  not_found: 404,
  [MUTATION_GAP]: 409,
  payload_too_large: 413,
  auth_rate_limited: 429,
  upgrade_required: 426,
  bad_config: 500,
  database_error: 500,
  internal: 500,
  admin_disabled: 503,
  admin_token_weak: 503,
  device_auth_disabled: 503,
  no_database: 503,
  pool_timeout: 503,
  upstream_unavailable: 503,
  upstream_error: 503,
};

/** HTTP status of an error code; an unknown code is a server bug, hence 500. */
export function statusOf(code: ErrorCode): ContentfulStatusCode {
  return STATUS_BY_CODE[code] ?? 500;
}

/** Any thrown value as a VoicesyncError; anything unexpected becomes `internal` and is logged. */
export function asVoicesyncError(error: unknown): VoicesyncError {
  if (error instanceof VoicesyncError) return error;
  // Only the message: postgres.js errors can carry query parameters (embeddings) as properties.
  console.error(`internal error: ${errorMessage(error)}`);
  return new VoicesyncError('internal', 'internal error', { cause: error });
}
