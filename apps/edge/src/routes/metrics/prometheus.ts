// Prometheus text exposition (v0.0.4) of the Relay status, hand-written: prom-client does not run in workerd.
import type { LatencySummary, RelayStatus, ShardStatus } from '../../relay/metrics/index.ts';

interface Sample {
  labels?: Record<string, string>;
  suffix?: string;
  value: number;
}

interface Family {
  name: string;
  help: string;
  type: 'gauge' | 'counter' | 'summary';
  samples: Sample[];
}

const PREFIX = 'voicesync_relay_';

function gauge(name: string, help: string, value: number): Family {
  return { name, help, type: 'gauge', samples: [{ value }] };
}

function counter(name: string, help: string, value: number): Family {
  return { name, help, type: 'counter', samples: [{ value }] };
}

/** Latency in seconds: p50/p99 over the recent window, sum and count since the Relay started. */
function summary(name: string, help: string, latency: LatencySummary): Family {
  return {
    name,
    help,
    type: 'summary',
    samples: [
      { labels: { quantile: '0.5' }, value: latency.p50 / 1000 },
      { labels: { quantile: '0.99' }, value: latency.p99 / 1000 },
      { suffix: '_sum', value: latency.sumMs / 1000 },
      { suffix: '_count', value: latency.count },
    ],
  };
}

function perShard(
  name: string,
  help: string,
  shards: ShardStatus[],
  value: (s: ShardStatus) => number,
): Family {
  return {
    name,
    help,
    type: 'gauge',
    samples: shards.map((s) => ({ labels: { shard: String(s.shard) }, value: value(s) })),
  };
}

/** Per-shard gauges beside the sums: a budget that holds overall can still starve one shard. */
function shardFamilies(shards: ShardStatus[]): Family[] {
  return [
    perShard('shard_breaker_open', "Whether this shard's breaker is OPEN (1) or not (0).", shards, (s) =>
      s.breaker.state === 'OPEN' ? 1 : 0,
    ),
    perShard('shard_pool_max', "This shard's share of PG_MAX.", shards, (s) => s.pool?.max ?? 0),
    perShard('shard_pool_active', 'Connections this shard has leased.', shards, (s) => s.pool?.active ?? 0),
    perShard('shard_pool_waiting', 'Requests waiting on this shard.', shards, (s) => s.pool?.waiting ?? 0),
    perShard('shard_load', "Moving average of busy/max of this shard's pool.", shards, (s) => s.load),
  ];
}

function families(status: RelayStatus & { shards?: ShardStatus[] }): Family[] {
  const { pool, breaker, push } = status;
  const out: Family[] = [];
  if (pool) {
    out.push(
      gauge('pool_max', 'Hard cap on upstream PostgreSQL connections, all shards together.', pool.max),
      gauge('pool_active', 'Connections leased to a transaction.', pool.active),
      gauge('pool_idle', 'Open connections waiting for work.', pool.idle),
      gauge('pool_waiting', 'Requests waiting for a free connection.', pool.waiting),
      gauge('pool_load', 'Moving average of busy/max over the last 100 acquisitions.', pool.load),
      counter('pool_connections_opened_total', 'Upstream connections opened.', pool.opened),
      counter(
        'pool_connections_recycled_total',
        'Connections replaced after their query budget.',
        pool.recycled,
      ),
      counter('pool_errors_total', 'Failed units of work.', pool.errors),
      counter('pool_acquire_timeouts_total', 'Acquisitions that gave up waiting.', pool.timeouts),
      counter('pool_queries_total', 'Statements sent upstream.', pool.queries),
      summary('pool_acquire_seconds', 'Time spent waiting for a connection.', pool.acquireMs),
      summary('pool_query_seconds', 'Time a connection is held for one transaction.', pool.queryMs),
    );
  }
  out.push(
    {
      name: 'breaker_state',
      help: 'Circuit breaker state in front of PostgreSQL (1 for the current state).',
      type: 'gauge',
      samples: (['CLOSED', 'OPEN', 'HALF_OPEN'] as const).map((state) => ({
        labels: { state },
        value: breaker.state === state ? 1 : 0,
      })),
    },
    gauge(
      'breaker_retry_after_seconds',
      'Seconds until an open breaker lets a probe through.',
      breaker.retryAfterMs / 1000,
    ),
    counter('push_batches_total', 'Committed push batches.', push.batches),
    counter('push_gaps_total', 'Batches refused with mutation_gap.', push.gaps),
    {
      name: 'push_mutations_total',
      help: 'Mutations of committed batches by result status.',
      type: 'counter',
      samples: Object.entries(push.mutations).map(([state, value]) => ({ labels: { status: state }, value })),
    },
    {
      name: 'push_announcements_total',
      help: "Announcements of committed pushes: sent to the tenant's hub, or skipped (nobody but the pusher listened).",
      type: 'counter',
      samples: Object.entries(push.announcements).map(([outcome, value]) => ({ labels: { outcome }, value })),
    },
    gauge('uptime_seconds', 'Seconds since the most recently started shard started.', status.uptimeMs / 1000),
  );
  if (status.shards) out.push(...shardFamilies(status.shards));
  return out;
}

/** Label values here are fixed identifiers (states, statuses, quantiles): nothing to escape. */
function labelText(labels: Record<string, string> | undefined): string {
  if (!labels) return '';
  return `{${Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .join(',')}}`;
}

export function prometheusText(status: RelayStatus & { shards?: ShardStatus[] }): string {
  const lines: string[] = [];
  for (const family of families(status)) {
    const name = PREFIX + family.name;
    lines.push(`# HELP ${name} ${family.help}`, `# TYPE ${name} ${family.type}`);
    for (const sample of family.samples) {
      lines.push(`${name}${sample.suffix ?? ''}${labelText(sample.labels)} ${sample.value}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
