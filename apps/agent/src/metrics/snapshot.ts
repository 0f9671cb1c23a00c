// The periodic metrics snapshot served in /v1/status: interval latencies and rates, totals, states.
import type { BreakerState } from '@voicesync/core';
import type { OutboxCounts } from '../sync/outbox/index.ts';
import type { ProfileStore } from '../profiles/index.ts';
import type { SyncStats } from '../sync/stats.ts';
import type { LatencySummary } from './latency.ts';
import type { RelayView } from './relay-status.ts';

export interface DecisionCounts {
  accepted: number;
  rejected: number;
}

export interface MetricsSnapshot {
  takenAt: number;
  /** Time covered by the interval figures (latency quantiles, rates). */
  intervalMs: number;
  latencyMs: Record<'localRead' | 'cacheHit' | 'push' | 'verify' | 'identify', LatencySummary>;
  verify: DecisionCounts;
  identify: DecisionCounts;
  throughput: { syncedPerSec: number; failedPerSec: number; verificationsPerSec: number };
  cache: {
    hits: number;
    misses: number;
    size: number;
    hitRate: number | null;
    intervalHitRate: number | null;
  };
  outbox: OutboxCounts;
  sync: {
    synced: number;
    failed: number;
    deferred: number;
    deadLettered: number;
    rejected: number;
    conflicts: number;
    batches: number;
    pulled: number;
  };
  edge: {
    available: boolean | null;
    breaker: BreakerState;
    load: number;
    lastSyncAt: number | null;
    lastPullAt: number | null;
  };
  /** Null when no edge is configured. */
  relay: RelayView | null;
  lastHealthCheckAt: number | null;
  uptimeMs: number;
}

/** hits / (hits + misses), or null when there were no reads. */
function ratio(hits: number, misses: number): number | null {
  return hits + misses === 0 ? null : hits / (hits + misses);
}

/** Running totals at the end of the previous interval, so each rate covers exactly one interval. */
export interface Baseline {
  at: number;
  synced: number;
  failed: number;
  hits: number;
  misses: number;
  verifications: number;
}

export interface SnapshotState {
  now: number;
  startedAt: number;
  stats: SyncStats;
  profiles: Pick<ProfileStore, 'cacheHits' | 'cacheMisses' | 'cacheSize'>;
  breaker: BreakerState;
  outbox: OutboxCounts;
  relay: RelayView | null;
  /** The interval's latency summaries (drained by the caller). */
  latencyMs: MetricsSnapshot['latencyMs'];
  verify: DecisionCounts;
  identify: DecisionCounts;
}

/** The snapshot of the interval that ends now, and the baseline the next interval starts from. */
export function buildSnapshot(
  s: SnapshotState,
  baseline: Baseline,
): { snapshot: MetricsSnapshot; next: Baseline } {
  const { stats, profiles, now } = s;
  const seconds = Math.max(now - baseline.at, 1) / 1000;
  const verifications = s.verify.accepted + s.verify.rejected;
  const snapshot: MetricsSnapshot = {
    takenAt: now,
    intervalMs: now - baseline.at,
    latencyMs: s.latencyMs,
    verify: { ...s.verify },
    identify: { ...s.identify },
    throughput: {
      syncedPerSec: (stats.synced - baseline.synced) / seconds,
      failedPerSec: (stats.failed - baseline.failed) / seconds,
      verificationsPerSec: (verifications - baseline.verifications) / seconds,
    },
    cache: {
      hits: profiles.cacheHits,
      misses: profiles.cacheMisses,
      size: profiles.cacheSize,
      hitRate: ratio(profiles.cacheHits, profiles.cacheMisses),
      intervalHitRate: ratio(profiles.cacheHits - baseline.hits, profiles.cacheMisses - baseline.misses),
    },
    outbox: s.outbox,
    sync: {
      synced: stats.synced,
      failed: stats.failed,
      deferred: stats.deferred,
      deadLettered: stats.deadLettered,
      rejected: stats.rejected,
      conflicts: stats.conflicts,
      batches: stats.batches,
      pulled: stats.pulled,
    },
    edge: {
      available: stats.edgeAvailable ?? null,
      breaker: s.breaker,
      load: stats.load,
      lastSyncAt: stats.lastSyncAt ?? null,
      lastPullAt: stats.lastPullAt ?? null,
    },
    relay: s.relay,
    lastHealthCheckAt: s.relay?.checkedAt ?? null,
    uptimeMs: now - s.startedAt,
  };
  const next = {
    at: now,
    synced: stats.synced,
    failed: stats.failed,
    hits: profiles.cacheHits,
    misses: profiles.cacheMisses,
    verifications,
  };
  return { snapshot, next };
}
