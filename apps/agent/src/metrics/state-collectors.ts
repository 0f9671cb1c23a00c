// Prometheus metrics read from the agent's state at scrape time (outbox, sync counters, cache, breakers, relay).
import { type BreakerState, type CircuitBreaker, type Clock, PRIORITIES } from '@voicesync/core';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { OutboxCounts } from '../sync/outbox/index.ts';
import type { ProfileStore } from '../profiles/index.ts';
import { type SyncStats, WAIT_REASONS } from '../sync/stats.ts';
import type { RelayView } from './relay-status.ts';

/** What the collectors read; `outbox` is fetched once per scrape, before the registry renders. */
export interface StateSources {
  stats: SyncStats;
  profiles: Pick<ProfileStore, 'cacheHits' | 'cacheMisses' | 'cacheSize'>;
  breaker: Pick<CircuitBreaker, 'state'>;
  clock: Clock;
  startedAt: number;
  outbox(): OutboxCounts;
  relay(): RelayView | null;
}

const BREAKER_STATES: readonly BreakerState[] = ['CLOSED', 'OPEN', 'HALF_OPEN'];

/** SyncStats keeps running totals; a collected counter reports the total as is. */
function totalOf(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

function gaugeOf(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

/** One series per state, 1 for the current one: the usual shape for an enum in Prometheus. */
function stateOf(registry: Registry, name: string, help: string, read: () => BreakerState | null): void {
  new Gauge({
    name,
    help,
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const current = read();
      for (const state of BREAKER_STATES) this.set({ state }, current === state ? 1 : 0);
    },
  });
}

const seconds = (ms: number | null | undefined) => (ms ? ms / 1000 : 0);

type Read = () => number;

export function registerStateCollectors(registry: Registry, s: StateSources): void {
  const { stats, profiles } = s;
  // Name, help, reader: one row per series keeps the exposition easy to audit against the README.
  const totals: Array<[string, string, Read]> = [
    ['voicesync_sync_synced_total', 'Outbox entries the edge settled', () => stats.synced],
    ['voicesync_sync_failed_total', 'Upload attempts that failed, per entry', () => stats.failed],
    [
      'voicesync_sync_deferred_total',
      'Rounds that held low priorities back (backpressure)',
      () => stats.deferred,
    ],
    ['voicesync_sync_dead_lettered_total', 'Entries that became dead letters', () => stats.deadLettered],
    ['voicesync_sync_rejected_total', 'Entries the edge refused as invalid', () => stats.rejected],
    ['voicesync_sync_conflicts_total', 'Entries the edge resolved as conflicts', () => stats.conflicts],
    ['voicesync_sync_batches_total', 'Push requests sent to the edge', () => stats.batches],
    ['voicesync_pull_changes_total', 'Changes of other devices applied by pull', () => stats.pulled],
    ['voicesync_cache_hits_total', 'Profile reads answered from memory', () => profiles.cacheHits],
    [
      'voicesync_cache_misses_total',
      'Profile reads that went to the local database',
      () => profiles.cacheMisses,
    ],
  ];
  const gauges: Array<[string, string, Read]> = [
    [
      'voicesync_outbox_pending',
      'Outbox entries waiting to upload (in flight included)',
      () => s.outbox().pending,
    ],
    [
      'voicesync_outbox_in_flight',
      'Outbox entries sent, not yet settled by the edge',
      () => s.outbox().inFlight,
    ],
    [
      'voicesync_outbox_dead_letters',
      'Dead letters held (voicesync outbox retry)',
      () => s.outbox().deadLetters,
    ],
    [
      'voicesync_outbox_oldest_pending_seconds',
      'Age of the oldest write waiting to upload (0 when none waits)',
      () => {
        const oldest = s.outbox().oldestPendingAt;
        return oldest === null ? 0 : Math.max(0, s.clock.now() - oldest) / 1000;
      },
    ],
    ['voicesync_cache_size', 'Profiles held in the read cache', () => profiles.cacheSize],
    [
      'voicesync_edge_available',
      '1 when the last push reached the edge, else 0',
      () => (stats.edgeAvailable ? 1 : 0),
    ],
    ['voicesync_upstream_pool_load', 'Postgres pool load last reported by the edge (0..1)', () => stats.load],
    [
      'voicesync_last_sync_timestamp_seconds',
      'Last acknowledged push (unix s, 0 = never)',
      () => seconds(stats.lastSyncAt),
    ],
    [
      'voicesync_last_pull_timestamp_seconds',
      'Last completed pull (unix s, 0 = never)',
      () => seconds(stats.lastPullAt),
    ],
    [
      'voicesync_relay_reachable',
      '1 when the last relay health check got an answer',
      () => (s.relay()?.reachable ? 1 : 0),
    ],
    [
      'voicesync_relay_pool_load',
      'Relay pool load from the last health check (0..1)',
      () => s.relay()?.pool?.load ?? 0,
    ],
    [
      'voicesync_last_health_check_timestamp_seconds',
      'Last relay health check (unix s, 0 = never)',
      () => seconds(s.relay()?.checkedAt),
    ],
    [
      'voicesync_uptime_seconds',
      'Seconds since the agent started',
      () => (s.clock.now() - s.startedAt) / 1000,
    ],
  ];
  for (const [name, help, read] of totals) totalOf(registry, name, help, read);
  for (const [name, help, read] of gauges) gaugeOf(registry, name, help, read);
  new Gauge({
    name: 'voicesync_outbox_pending_by_priority',
    help: 'Outbox entries waiting to upload, per priority',
    labelNames: ['priority'],
    registers: [registry],
    collect() {
      for (const priority of PRIORITIES) this.set({ priority }, s.outbox().byPriority[priority]);
    },
  });
  new Gauge({
    name: 'voicesync_outbox_waiting',
    help: 'Why the outbox waits instead of uploading: 1 for the current reason, all 0 while uploads go through',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      const current = stats.waiting?.reason;
      for (const reason of WAIT_REASONS) this.set({ reason }, current === reason ? 1 : 0);
    },
  });
  gaugeOf(
    registry,
    'voicesync_outbox_waiting_since_timestamp_seconds',
    'When the outbox began waiting for its current reason (unix s, 0 = not waiting)',
    () => seconds(stats.waiting?.since),
  );
  stateOf(
    registry,
    'voicesync_edge_breaker_state',
    "State of the agent's breaker toward the edge",
    () => s.breaker.state,
  );
  stateOf(
    registry,
    'voicesync_relay_breaker_state',
    "Relay's breaker toward Postgres, as last reported",
    () => s.relay()?.breaker ?? null,
  );
}
