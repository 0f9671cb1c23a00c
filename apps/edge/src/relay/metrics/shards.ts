// The edge's view of all shards: one entry per shard, and their sum for the single-Relay fields.
import type { ShardConfig } from '../../config/index.ts';
import type { PoolSnapshot } from '../pool/index.ts';
import type { BreakerStatus } from '../upstream/index.ts';
import type { LatencySummary } from './latency.ts';
import type { EdgeStatus, RelayStatus } from '@voicesync/schema';
import type { PushSnapshot } from './index.ts';

export type { EdgeStatus, ShardStatus } from '@voicesync/schema';

const SEVERITY = { CLOSED: 0, HALF_OPEN: 1, OPEN: 2 } as const;

/** The most severe breaker: any open shard makes the edge open for someone. */
export function worstBreaker(breakers: BreakerStatus[]): BreakerStatus {
  return breakers.reduce((worst, b) =>
    SEVERITY[b.state] > SEVERITY[worst.state] ||
    (b.state === worst.state && b.retryAfterMs > worst.retryAfterMs)
      ? b
      : worst,
  );
}

/** Counts add up; quantiles cannot, so the worst shard's stand for all. */
function mergeLatency(a: LatencySummary, b: LatencySummary): LatencySummary {
  return {
    p50: Math.max(a.p50, b.p50),
    p99: Math.max(a.p99, b.p99),
    count: a.count + b.count,
    sumMs: a.sumMs + b.sumMs,
  };
}

function mergePools(a: PoolSnapshot, b: PoolSnapshot): PoolSnapshot {
  return {
    max: a.max + b.max,
    active: a.active + b.active,
    idle: a.idle + b.idle,
    waiting: a.waiting + b.waiting,
    opened: a.opened + b.opened,
    recycled: a.recycled + b.recycled,
    errors: a.errors + b.errors,
    timeouts: a.timeouts + b.timeouts,
    queries: a.queries + b.queries,
    load: Math.max(a.load, b.load),
    acquireMs: mergeLatency(a.acquireMs, b.acquireMs),
    queryMs: mergeLatency(a.queryMs, b.queryMs),
  };
}

function mergePush(a: PushSnapshot, b: PushSnapshot): PushSnapshot {
  const mutations = { ...a.mutations };
  for (const [status, count] of Object.entries(b.mutations))
    mutations[status as keyof typeof mutations] += count;
  return {
    batches: a.batches + b.batches,
    gaps: a.gaps + b.gaps,
    mutations,
    announcements: {
      sent: a.announcements.sent + b.announcements.sent,
      skipped: a.announcements.skipped + b.announcements.skipped,
    },
  };
}

/** `statuses` in shard order (index = shard). The pool sum is at most PG_MAX by construction of the shares. */
export function combineStatus(statuses: RelayStatus[], config: ShardConfig): EdgeStatus {
  const pools = statuses.flatMap((s) => (s.pool ? [s.pool] : []));
  return {
    pool: pools.length > 0 ? pools.reduce(mergePools) : null,
    breaker: worstBreaker(statuses.map((s) => s.breaker)),
    push: statuses.map((s) => s.push).reduce(mergePush),
    uptimeMs: Math.min(...statuses.map((s) => s.uptimeMs)),
    budget: { pgMax: config.budget, shards: config.count, share: config.share },
    shards: statuses.map((s, shard) => ({
      shard,
      breaker: s.breaker,
      pool: s.pool
        ? { max: s.pool.max, active: s.pool.active, idle: s.pool.idle, waiting: s.pool.waiting }
        : null,
      load: s.pool?.load ?? 0,
      push: s.push,
      uptimeMs: s.uptimeMs,
    })),
  };
}
