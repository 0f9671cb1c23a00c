// Opens a shard's breaker when a failure streak outlives a deadline, however little traffic the shard sees.
import type { CircuitBreaker } from '@voicesync/core';

/**
 * With the work spread over shards, a quiet shard may take many seconds to count its five
 * failures after PostgreSQL dies. A streak that no success has broken within `deadlineMs` of its
 * first failure is evidence enough: the breaker opens then, so every shard is open within a second.
 */
export class FailureStreak {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly breaker: CircuitBreaker,
    private readonly deadlineMs: number,
  ) {}

  /** After `breaker.onFailure()`: the first failure of a streak starts the deadline. */
  failed(): void {
    if (this.timer !== undefined || this.breaker.state !== 'CLOSED') return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.breaker.failures > 0) this.breaker.trip();
    }, this.deadlineMs);
  }

  /** After `breaker.onSuccess()`: the streak is broken. */
  succeeded(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
