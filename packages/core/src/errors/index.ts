// One error type with a stable machine-readable code; HTTP layers map codes to statuses in one place.

export class VoicesyncError extends Error {
  override readonly name = 'VoicesyncError';
  constructor(
    readonly code: string,
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
