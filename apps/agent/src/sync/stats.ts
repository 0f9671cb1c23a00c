// Counters and gauges of the sync path, read by /v1/status and /metrics.
import type { BreakerState } from '@voicesync/core';
import { LatencyWindow } from '@voicesync/core';

/** Why the outbox is waiting instead of uploading. */
export const WAIT_REASONS = ['edge_down', 'database_down', 'credential_refused', 'backpressure'] as const;
export type WaitReason = (typeof WAIT_REASONS)[number];

export interface Waiting {
  reason: WaitReason;
  /** When the queue began waiting for this reason (ms since epoch). */
  since: number;
  /** The last error or advice, one line. */
  message: string;
}

/** `previous` is undefined on the first contact with the edge since start. */
type AvailabilityListener = (available: boolean, previous: boolean | undefined) => void;

export class SyncStats {
  /** Outbox entries the edge settled (applied, duplicate or conflict-resolved). */
  synced = 0;
  /** Entries whose upload attempt failed (counted per attempt). */
  failed = 0;
  /** Times lower priorities were held back by backpressure. */
  deferred = 0;
  /** Entries that became dead letters (retry budget spent or refused by the edge). */
  deadLettered = 0;
  rejected = 0;
  conflicts = 0;
  gaps = 0;
  batches = 0;
  pulled = 0;
  /** Upstream pool load last reported by the edge (0..1) and when. */
  load = 0;
  loadAt = 0;
  private available: boolean | undefined;
  breakerState: BreakerState = 'CLOSED';
  lastSyncAt: number | undefined;
  lastPullAt: number | undefined;
  lastError: string | undefined;
  /** Set when the local sync state belongs to another upstream: the one-line message with the fix. */
  anotherUpstream: string | undefined;
  readonly pushLatency = new LatencyWindow(512);
  private waitingState: Waiting | undefined;
  private readonly waitListeners: Array<(waiting: Waiting | undefined) => void> = [];
  private readonly availabilityListeners: AvailabilityListener[] = [];
  private readonly pushListeners: Array<(ms: number) => void> = [];

  /** Whether the last push reached the edge (undefined before the first); each change is announced. */
  get edgeAvailable(): boolean | undefined {
    return this.available;
  }

  set edgeAvailable(value: boolean | undefined) {
    const previous = this.available;
    this.available = value;
    if (value === previous || value === undefined) return;
    for (const listener of this.availabilityListeners) listener(value, previous);
  }

  /** Why the queue waits and since when; undefined while uploads go through. */
  get waiting(): Waiting | undefined {
    return this.waitingState;
  }

  /** The queue waits for `reason`; `since` stays from the first time while the reason is unchanged. */
  wait(reason: WaitReason, message: string, now: number): void {
    const current = this.waitingState;
    if (current?.reason === reason) {
      current.message = message;
      return;
    }
    this.waitingState = { reason, since: now, message };
    for (const listener of this.waitListeners) listener(this.waitingState);
  }

  /** Uploads go through again (or the given reason no longer holds). */
  resume(reason?: WaitReason): void {
    if (!this.waitingState || (reason !== undefined && this.waitingState.reason !== reason)) return;
    this.waitingState = undefined;
    for (const listener of this.waitListeners) listener(undefined);
  }

  /** Told once per change of the waiting reason, so logs say it once, not once per attempt. */
  onWaiting(listener: (waiting: Waiting | undefined) => void): void {
    this.waitListeners.push(listener);
  }

  /** Logs and metrics hear "edge back" / "edge unavailable" once per change, not once per push. */
  onEdgeAvailability(listener: AvailabilityListener): void {
    this.availabilityListeners.push(listener);
  }

  /** One push round trip in ms: kept for quantiles and passed on to the metrics histogram. */
  observePush(ms: number): void {
    this.pushLatency.observe(ms);
    for (const listener of this.pushListeners) listener(ms);
  }

  onPush(listener: (ms: number) => void): void {
    this.pushListeners.push(listener);
  }
}
