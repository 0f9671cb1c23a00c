// Circuit breaker: turns a dead dependency into fast failures, probes it, and survives restarts.
import type { Clock } from '../clock/index.ts';
import { VoicesyncError } from '../errors/index.ts';

export type BreakerState = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

export interface BreakerOptions {
  /** Consecutive failures that open the breaker (default 5). */
  failureThreshold: number;
  /** Consecutive half-open successes that close it (default 2). */
  successThreshold: number;
  /** How long it stays open before a probe is allowed (default 60 s). */
  openMs: number;
  /** A half-open phase that has not closed within this time re-opens (default 30 s). */
  halfOpenTimeoutMs: number;
}

export const DEFAULT_BREAKER_OPTIONS: Readonly<BreakerOptions> = {
  failureThreshold: 5,
  successThreshold: 2,
  openMs: 60_000,
  halfOpenTimeoutMs: 30_000,
};

/** The serialisable part of a breaker, so its state outlives the process or Durable Object. */
export interface BreakerSnapshot {
  state: BreakerState;
  failures: number;
  successes: number;
  /** When the current state was entered (ms since epoch). */
  since: number;
}

export class BreakerOpenError extends VoicesyncError {
  constructor(readonly retryAfterMs: number) {
    super('circuit_open', `circuit open, retry in ${Math.ceil(retryAfterMs / 1000)} s`, {
      details: { retryAfterMs },
    });
  }
}

/**
 * Consecutive-failure breaker with a single in-flight half-open probe.
 *
 * @example
 * const breaker = new CircuitBreaker(systemClock);
 * if (!breaker.tryAcquire()) throw new BreakerOpenError(breaker.retryAfterMs());
 * try { await call(); breaker.onSuccess(); } catch (e) { breaker.onFailure(); throw e; }
 */
export class CircuitBreaker {
  readonly options: BreakerOptions;
  private snapshot: BreakerSnapshot;
  private probeInFlight = false;
  private readonly listeners: Array<(state: BreakerState, previous: BreakerState) => void> = [];

  constructor(
    private readonly clock: Clock,
    options: Partial<BreakerOptions> = {},
    initial?: BreakerSnapshot,
  ) {
    this.options = { ...DEFAULT_BREAKER_OPTIONS, ...options };
    this.snapshot = initial
      ? { ...initial }
      : { state: 'CLOSED', failures: 0, successes: 0, since: clock.now() };
  }

  get state(): BreakerState {
    this.refresh();
    return this.snapshot.state;
  }

  /** Whether a call may go through now. In HALF_OPEN only one probe is let through at a time. */
  tryAcquire(): boolean {
    this.refresh();
    switch (this.snapshot.state) {
      case 'CLOSED':
        return true;
      case 'OPEN':
        return false;
      case 'HALF_OPEN':
        if (this.probeInFlight) return false;
        this.probeInFlight = true;
        return true;
    }
  }

  onSuccess(): void {
    this.probeInFlight = false;
    this.refresh();
    const s = this.snapshot;
    if (s.state === 'HALF_OPEN') {
      s.successes += 1;
      if (s.successes >= this.options.successThreshold) this.transition('CLOSED');
    } else if (s.state === 'CLOSED') {
      s.failures = 0;
    }
  }

  onFailure(): void {
    this.probeInFlight = false;
    this.refresh();
    const s = this.snapshot;
    if (s.state === 'HALF_OPEN') {
      this.transition('OPEN');
    } else if (s.state === 'CLOSED') {
      s.failures += 1;
      if (s.failures >= this.options.failureThreshold) this.transition('OPEN');
    }
  }

  /**
   * Opens a closed breaker at once: another observer (a sibling shard, a failure streak that no
   * success broke) already knows the dependency is down. Open and half-open states are left alone.
   */
  trip(): void {
    this.refresh();
    if (this.snapshot.state === 'CLOSED') this.transition('OPEN');
  }

  /** Consecutive failures counted while CLOSED. */
  get failures(): number {
    this.refresh();
    return this.snapshot.failures;
  }

  /** Milliseconds until a probe will be allowed; 0 unless OPEN. */
  retryAfterMs(): number {
    this.refresh();
    if (this.snapshot.state !== 'OPEN') return 0;
    return Math.max(0, this.snapshot.since + this.options.openMs - this.clock.now());
  }

  onStateChange(listener: (state: BreakerState, previous: BreakerState) => void): void {
    this.listeners.push(listener);
  }

  toJSON(): BreakerSnapshot {
    this.refresh();
    return { ...this.snapshot };
  }

  /** Time-driven transitions: OPEN -> HALF_OPEN after openMs, HALF_OPEN -> OPEN after its timeout. */
  private refresh(): void {
    const s = this.snapshot;
    const elapsed = this.clock.now() - s.since;
    if (s.state === 'OPEN' && elapsed >= this.options.openMs) this.transition('HALF_OPEN');
    else if (s.state === 'HALF_OPEN' && elapsed >= this.options.halfOpenTimeoutMs) this.transition('OPEN');
  }

  private transition(next: BreakerState): void {
    const previous = this.snapshot.state;
    this.snapshot = { state: next, failures: 0, successes: 0, since: this.clock.now() };
    this.probeInFlight = false;
    for (const listener of this.listeners) listener(next, previous);
  }
}
