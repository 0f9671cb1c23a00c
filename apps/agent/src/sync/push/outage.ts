// How the pusher waits out an outage: one backoff for the path, never charged to a mutation.
import { backoffDelay, type Clock, halfJitter } from '@voicesync/core';
import type { Logger } from '../../logger/index.ts';
import type { SyncStats, WaitReason } from '../stats.ts';
import type { PushOutcome } from '../transport/index.ts';

type PathFailure = Extract<PushOutcome, { kind: 'unavailable' | 'refused' }>;

/** Edge codes that say PostgreSQL behind the edge is the part that is down. */
const DATABASE_CODES = new Set([
  'upstream_unavailable',
  'upstream_error',
  'pool_timeout',
  'database_error',
  'no_database',
]);

/** Why a failed request leaves the queue waiting (only for answers that say the path is down). */
export function waitReasonOf(outcome: PathFailure): WaitReason {
  if (outcome.kind === 'refused') return 'credential_refused';
  return outcome.code !== undefined && DATABASE_CODES.has(outcome.code) ? 'database_down' : 'edge_down';
}

/** The one line an operator reads on /v1/status, the dashboard and the log, with the fix where one is needed. */
export const WAIT_ADVICE: Readonly<Record<WaitReason, string>> = {
  edge_down: 'the edge is unreachable; writes wait and upload by themselves when it is back',
  database_down:
    'PostgreSQL behind the edge is unavailable; writes wait and upload by themselves when it is back',
  credential_refused:
    "the edge refused this device's credential: issue a new token (voicesync device add) and set VOICESYNC_TOKEN or tokenFile; the queue resumes with it, nothing is dropped",
  backpressure: 'the upstream pool is busy; lower priorities wait until its load falls',
};

export interface PathBackoffOptions {
  initialMs: number;
  maxMs: number;
  random?: () => number;
}

/**
 * Consecutive failed attempts to reach the edge, and the delay before the next one: 1 s doubling
 * to the cap, half-jittered. A Retry-After is honoured up to the same cap, so no answer (or wrong
 * clock upstream) can park the queue for longer than `maxMs` at a time.
 */
export class PathBackoff {
  private streak = 0;

  constructor(private readonly options: PathBackoffOptions) {}

  get failing(): boolean {
    return this.streak > 0;
  }

  /** Counts one more failed attempt and returns how long to wait before the next. */
  next(retryAfterMs?: number): number {
    this.streak += 1;
    const delay = backoffDelay(this.streak, {
      initialMs: this.options.initialMs,
      maxMs: this.options.maxMs,
      jitter: halfJitter(this.options.random ?? Math.random),
    });
    return Math.min(this.options.maxMs, Math.max(delay, retryAfterMs ?? 0));
  }

  /** The path answered: returns whether it had been failing (a recovery). */
  reset(): boolean {
    const recovered = this.streak > 0;
    this.streak = 0;
    return recovered;
  }
}

/**
 * The pusher's view of the path: each failure backs off and says why the queue waits (once in the
 * log per reason); the first answer after failures ends the wait.
 */
export class PathWatch {
  private readonly backoff: PathBackoff;

  constructor(
    private readonly stats: SyncStats,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: PathBackoffOptions & { onCredentialRefused?: (() => void) | undefined },
  ) {
    this.backoff = new PathBackoff(options);
  }

  /** The path is down (or the credential refused): returns when to try again. No row is charged. */
  failed(outcome: PathFailure): number {
    const now = this.clock.now();
    const reason = waitReasonOf(outcome);
    const delay = this.backoff.next(outcome.kind === 'unavailable' ? outcome.retryAfterMs : undefined);
    this.stats.lastError = outcome.message;
    if (reason === 'credential_refused') {
      if (this.stats.waiting?.reason !== reason) {
        this.log.error(
          { status: outcome.status, code: outcome.code },
          `credential refused: ${WAIT_ADVICE[reason]}`,
        );
      }
      this.options.onCredentialRefused?.();
    }
    this.stats.wait(reason, `${WAIT_ADVICE[reason]} (last answer: ${outcome.message})`, now);
    return now + delay;
  }

  /** The edge answered; returns whether that ended a run of failures (a recovery). */
  answered(): boolean {
    if (!this.backoff.reset()) return false;
    const waiting = this.stats.waiting;
    if (waiting && waiting.reason !== 'backpressure') {
      this.log.info(
        { reason: waiting.reason, waitedMs: this.clock.now() - waiting.since },
        'edge answers again; the queue resumes',
      );
      this.stats.resume();
    }
    return true;
  }
}
