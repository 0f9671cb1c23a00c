// One error type with a stable machine-readable code; HTTP layers map codes to statuses in one place.

import type { ErrorCode } from './codes.ts';

export * from './codes.ts';

/**
 * The error of voicesync, agent and edge: a stable `code` from the one `ErrorCode` list, a message
 * for people, optional details for the answer. Kinds of it (`ScoringError`) narrow the code.
 */
export class VoicesyncError extends Error {
  override readonly name: string = 'VoicesyncError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.details = options?.details;
  }
  readonly details: Record<string, unknown> | undefined;
}

/** Narrow an unknown thrown value to a message that is safe to log (no payloads). */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * The first string `code` along an error's cause chain: fetch and drizzle keep the driver's reason
 * (ECONNREFUSED, ENOTFOUND, a SQLSTATE) one `cause` down.
 */
export function errorCode(error: unknown): string | undefined {
  let current = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Why a request failed, for a message: the code along the cause chain, else the cause's or the error's message. */
export function failureReason(error: unknown): string {
  const cause = (error as { cause?: unknown } | null)?.cause;
  return errorCode(error) ?? (cause instanceof Error ? cause.message : errorMessage(error));
}
