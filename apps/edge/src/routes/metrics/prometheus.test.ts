import { describe, expect, it } from 'vitest';
import type { RelayStatus } from '../../relay/metrics/index.ts';
import { prometheusText } from './prometheus.ts';

const latency = { p50: 2, p99: 40, count: 10, sumMs: 50 };

const status: RelayStatus = {
  pool: {
    max: 3,
    active: 1,
    idle: 2,
    waiting: 0,
    opened: 3,
    recycled: 0,
    errors: 1,
    timeouts: 0,
    queries: 120,
    load: 0.5,
    acquireMs: latency,
    queryMs: latency,
  },
  breaker: { state: 'OPEN', retryAfterMs: 30_500 },
  push: {
    batches: 4,
    gaps: 1,
    mutations: { applied: 7, duplicate: 3, conflict: 1, rejected: 2 },
    announcements: { sent: 5, skipped: 6 },
  },
  uptimeMs: 12_000,
};

describe('prometheusText', () => {
  const text = prometheusText(status);

  it('writes gauges and counters with HELP and TYPE lines', () => {
    expect(text).toContain('# TYPE voicesync_relay_pool_active gauge\nvoicesync_relay_pool_active 1\n');
    expect(text).toContain(
      '# TYPE voicesync_relay_pool_queries_total counter\nvoicesync_relay_pool_queries_total 120\n',
    );
    expect(text).toContain('voicesync_relay_pool_load 0.5\n');
  });

  it('marks the current breaker state with 1', () => {
    expect(text).toContain('voicesync_relay_breaker_state{state="CLOSED"} 0\n');
    expect(text).toContain('voicesync_relay_breaker_state{state="OPEN"} 1\n');
    expect(text).toContain('voicesync_relay_breaker_retry_after_seconds 30.5\n');
  });

  it('labels push mutations by status and writes latency as a summary in seconds', () => {
    expect(text).toContain('voicesync_relay_push_mutations_total{status="applied"} 7\n');
    expect(text).toContain('voicesync_relay_push_mutations_total{status="rejected"} 2\n');
    expect(text).toContain('voicesync_relay_push_announcements_total{outcome="sent"} 5\n');
    expect(text).toContain('voicesync_relay_push_announcements_total{outcome="skipped"} 6\n');
    expect(text).toContain('# TYPE voicesync_relay_pool_query_seconds summary\n');
    expect(text).toContain('voicesync_relay_pool_query_seconds{quantile="0.99"} 0.04\n');
    expect(text).toContain('voicesync_relay_pool_query_seconds_sum 0.05\n');
    expect(text).toContain('voicesync_relay_pool_query_seconds_count 10\n');
  });

  it('leaves pool metrics out when no database is configured', () => {
    expect(prometheusText({ ...status, pool: null })).not.toContain('pool_');
  });
});
