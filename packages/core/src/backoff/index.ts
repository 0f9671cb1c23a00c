// Exponential backoff with pluggable jitter: immutable values, deterministic under test.

export interface BackoffOptions {
  /** First delay in ms (default 1000). */
  initialMs?: number;
  /** Upper bound in ms (default 60000). */
  maxMs?: number;
  /** Multiplier per attempt (default 2). */
  factor?: number;
  /** Maps the nominal delay to the delay actually used; default full-range "decorrelated" jitter off. */
  jitter?: (delayMs: number) => number;
}

/** Jitter that spreads a delay uniformly over [delay/2, delay], using an injected random source. */
export function halfJitter(random: () => number = Math.random): (delayMs: number) => number {
  return (delayMs) => delayMs / 2 + random() * (delayMs / 2);
}

export const noJitter = (delayMs: number): number => delayMs;

/**
 * Delay before retry number `attempt` (1-based): initial * factor^(attempt-1), capped at max,
 * then jittered. With defaults: 1, 2, 4, 8, 16, 32, 60, 60 ... seconds.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const initial = options.initialMs ?? 1000;
  const max = options.maxMs ?? 60_000;
  const factor = options.factor ?? 2;
  const nominal = Math.min(max, initial * factor ** Math.max(0, attempt - 1));
  return Math.min(max, (options.jitter ?? noJitter)(nominal));
}
