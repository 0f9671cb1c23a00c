// Counters and gauges of the sync path, read by /v1/status and /metrics.
import type { BreakerState } from '@voicesync/core';
import { LatencyWindow } from '@voicesync/core';

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
  edgeAvailable: boolean | undefined;
  breakerState: BreakerState = 'CLOSED';
  lastSyncAt: number | undefined;
  lastPullAt: number | undefined;
  lastError: string | undefined;
  readonly pushLatency = new LatencyWindow(512);
}
