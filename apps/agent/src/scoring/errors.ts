// The one error type scoring throws; its stable `code` is what the HTTP layer maps to a status.

/** Input codes are the caller's fault (400); `backend_unavailable` is the server's (503). */
export type ScoringErrorCode =
  | 'dimension_mismatch'
  | 'non_finite'
  | 'zero_norm'
  | 'invalid_k'
  | 'invalid_dimension'
  | 'backend_unavailable';

export class ScoringError extends Error {
  override readonly name = 'ScoringError';
  readonly code: ScoringErrorCode;

  constructor(code: ScoringErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
