// The error scoring throws: a kind of VoicesyncError whose code says what was wrong with the input or the engine.
import { type ScoringErrorCode, VoicesyncError } from '@voicesync/core';

export type { ScoringErrorCode } from '@voicesync/core';

/** Input codes are the caller's fault (400); `backend_unavailable` is the server's (503). */
export class ScoringError extends VoicesyncError {
  override readonly name = 'ScoringError';
  declare readonly code: ScoringErrorCode;

  constructor(code: ScoringErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}
