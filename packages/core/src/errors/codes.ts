// Every error code voicesync gives, agent and edge alike: one list, so a code means one thing everywhere.

/** Codes of the caller's input: a request that will not succeed as sent. */
export const INPUT_ERROR_CODES = [
  'invalid_json',
  'invalid_body',
  'invalid_batch',
  'invalid_request',
  'invalid_query',
  'invalid_speaker_id',
  'invalid_embedding',
  'invalid_usage',
  'invalid_config',
  'bad_config',
  'unsupported_media_type',
  'payload_too_large',
  'mutation_gap',
  'rejected',
] as const;

/** Codes of scoring (`ScoringError`): the embedding or the request does not fit the index. */
export const SCORING_ERROR_CODES = [
  'dimension_mismatch',
  'non_finite',
  'zero_norm',
  'invalid_k',
  'invalid_dimension',
  'backend_unavailable',
] as const;

/** Codes of access: credentials, revocation, rate limits, disabled admin routes. */
export const ACCESS_ERROR_CODES = [
  'unauthorized',
  'forbidden',
  'device_revoked',
  'auth_rate_limited',
  'admin_disabled',
  'admin_token_weak',
  'device_auth_disabled',
  'upgrade_required',
] as const;

/** Codes of the system's own state: storage, upstream, the edge, bugs. */
export const SYSTEM_ERROR_CODES = [
  'not_found',
  'http_error',
  'storage_full',
  'storage_busy',
  'storage_unavailable',
  'no_edge',
  'invalid_response',
  'no_database',
  'database_error',
  'pool_timeout',
  'upstream_unavailable',
  'upstream_error',
  'circuit_open',
  'internal',
] as const;

/** Codes of the command line: a client call or a long operation that did not complete. */
export const CLI_ERROR_CODES = [
  'unreachable',
  'remote_error',
  'enrol_failed',
  'import_failed',
  'migration_failed',
  'drain_timeout',
] as const;

export const ERROR_CODES = [
  ...INPUT_ERROR_CODES,
  ...SCORING_ERROR_CODES,
  ...ACCESS_ERROR_CODES,
  ...SYSTEM_ERROR_CODES,
  ...CLI_ERROR_CODES,
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
export type ScoringErrorCode = (typeof SCORING_ERROR_CODES)[number];

export function isErrorCode(code: string): code is ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(code);
}
