import { CircuitBreaker, type Clock } from '@voicesync/core';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger/index.ts';
import type { OutboxCounts } from '../sync/outbox/index.ts';
import { SyncStats } from '../sync/stats.ts';
import { AgentMetrics } from './agent-metrics.ts';
import { IntervalSamples } from './latency.ts';

function setup() {
  let now = 1_000_000;
  const clock: Clock = { now: () => now };
  const stats = new SyncStats();
  const profiles = { cacheHits: 0, cacheMisses: 0, cacheSize: 0 };
  const counts: OutboxCounts = {
    pending: 3,
    byPriority: { CRITICAL: 1, HIGH: 0, NORMAL: 2, LOW: 0, DEFERRED: 0 },
    inFlight: 0,
    deadLetters: 1,
    oldestPendingAt: now - 90_000,
  };
  const metrics = new AgentMetrics({
    stats,
    profiles,
    outbox: { counts: async () => counts },
    breaker: new CircuitBreaker(clock),
    clock,
    startedAt: now,
    relay: undefined,
    log: createLogger('silent'),
    intervalMs: 10_000,
    historySize: 2,
  });
  return { metrics, stats, profiles, advance: (ms: number) => (now += ms) };
}

describe('AgentMetrics', () => {
  it('summarises each interval: quantiles of its samples, rates over its length', async () => {
    const { metrics, stats, profiles, advance } = setup();
    for (let i = 1; i <= 100; i++) metrics.observeVerify(i / 1e6, i % 10 !== 0);
    metrics.observeLocalRead(0.000002, true);
    metrics.observeLocalRead(0.003, false);
    profiles.cacheHits = 1;
    profiles.cacheMisses = 1;
    stats.synced = 20;
    advance(10_000);
    const first = await metrics.take();
    expect(first.latencyMs.verify).toMatchObject({ p50: 0.05, count: 100 });
    expect(first.latencyMs.verify.p99).toBeCloseTo(0.099, 9);
    expect(first.verify).toEqual({ accepted: 90, rejected: 10 });
    expect(first.latencyMs.cacheHit.count).toBe(1);
    expect(first.latencyMs.localRead.count).toBe(2);
    expect(first.throughput.syncedPerSec).toBe(2);
    expect(first.cache.intervalHitRate).toBe(0.5);
    expect(first.outbox.pending).toBe(3);

    advance(5_000);
    const second = await metrics.take();
    expect(second.latencyMs.verify).toEqual({ p50: null, p99: null, count: 0 });
    expect(second.verify).toEqual({ accepted: 90, rejected: 10 });
    expect(second.throughput.syncedPerSec).toBe(0);
    expect(second.intervalMs).toBe(5_000);
    expect(second.cache.intervalHitRate).toBeNull();
  });

  it('keeps a bounded history for the dashboard', async () => {
    const { metrics, advance } = setup();
    for (let i = 0; i < 3; i++) {
      advance(10_000);
      await metrics.take();
    }
    const points = metrics.historyPoints();
    expect(points).toHaveLength(2);
    expect(points[1]?.t).toBeGreaterThan(points[0]?.t ?? 0);
    expect(points[0]?.byPriority.NORMAL).toBe(2);
  });

  it('renders Prometheus text with observed and collected series', async () => {
    const { metrics, stats } = setup();
    metrics.observeVerify(0.0001, false);
    metrics.observePush(0.2);
    stats.failed = 4;
    const text = await metrics.render();
    expect(text).toContain('voicesync_verify_total{decision="rejected"} 1');
    expect(text).toContain('voicesync_verify_total{decision="accepted"} 0');
    expect(text).toContain('voicesync_push_seconds_count 1');
    expect(text).toContain('voicesync_sync_failed_total 4');
    expect(text).toContain('voicesync_outbox_pending_by_priority{priority="NORMAL"} 2');
    expect(text).toContain('voicesync_outbox_dead_letters 1');
  });

  it('shows how old the oldest pending write is, and why and since when the queue waits', async () => {
    const { metrics, stats } = setup();
    let text = await metrics.render();
    expect(text).toContain('voicesync_outbox_oldest_pending_seconds 90');
    expect(text).toContain('voicesync_outbox_waiting{reason="edge_down"} 0');
    expect(text).toContain('voicesync_outbox_waiting_since_timestamp_seconds 0');
    stats.wait('database_down', 'pg down', 940_000);
    stats.wait('database_down', 'pg still down', 990_000);
    text = await metrics.render();
    expect(text).toContain('voicesync_outbox_waiting{reason="database_down"} 1');
    expect(text).toContain('voicesync_outbox_waiting{reason="edge_down"} 0');
    expect(text).toContain('voicesync_outbox_waiting_since_timestamp_seconds 940');
    stats.resume();
    expect(await metrics.render()).toContain('voicesync_outbox_waiting{reason="database_down"} 0');
  });

  it('ignores impossible durations instead of corrupting the histogram', async () => {
    const { metrics } = setup();
    metrics.observeVerify(Number.NaN, true);
    metrics.observeVerify(-1, true);
    expect(await metrics.render()).toContain('voicesync_verify_seconds_count 0');
  });
});

describe('IntervalSamples', () => {
  it('keeps the most recent samples past its cap and still counts all', () => {
    const samples = new IntervalSamples(4);
    for (const ms of [100, 100, 100, 100, 1, 2, 3, 4]) samples.add(ms);
    expect(samples.drain()).toEqual({ p50: 2, p99: 4, count: 8 });
    expect(samples.drain().count).toBe(0);
  });
});
