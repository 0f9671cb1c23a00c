// The compact history of snapshots the dashboard charts when it opens (an hour at the default 10 s).
import type { BreakerState, PriorityName } from '@voicesync/core';
import type { MetricsSnapshot } from './snapshot.ts';

/** One snapshot reduced to what the dashboard plots. */
export interface HistoryPoint {
  t: number;
  verifyP50: number | null;
  verifyP99: number | null;
  localReadP50: number | null;
  pushP50: number | null;
  pushP99: number | null;
  syncedPerSec: number;
  pending: number;
  byPriority: Record<PriorityName, number>;
  deadLetters: number;
  cacheHitRate: number | null;
  breaker: BreakerState;
  relayBreaker: BreakerState | null;
}

export function toHistoryPoint(s: MetricsSnapshot): HistoryPoint {
  return {
    t: s.takenAt,
    verifyP50: s.latencyMs.verify.p50,
    verifyP99: s.latencyMs.verify.p99,
    localReadP50: s.latencyMs.localRead.p50,
    pushP50: s.latencyMs.push.p50,
    pushP99: s.latencyMs.push.p99,
    syncedPerSec: s.throughput.syncedPerSec,
    pending: s.outbox.pending,
    byPriority: { ...s.outbox.byPriority },
    deadLetters: s.outbox.deadLetters,
    cacheHitRate: s.cache.intervalHitRate,
    breaker: s.edge.breaker,
    relayBreaker: s.relay?.breaker ?? null,
  };
}

/** Fixed-size ring of history points, oldest first when read. */
export class History {
  private readonly points: HistoryPoint[] = [];

  constructor(private readonly size: number) {}

  push(point: HistoryPoint): void {
    this.points.push(point);
    if (this.points.length > this.size) this.points.shift();
  }

  list(): HistoryPoint[] {
    return [...this.points];
  }
}
