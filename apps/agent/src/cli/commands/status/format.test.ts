import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import { type AgentStatus, formatStatus } from './format.ts';

const plain = pc.createColors(false);
const now = 1_800_000_000_000;

const status: AgentStatus = {
  uptimeMs: 3_725_000,
  outbox: {
    pending: 3,
    byPriority: { CRITICAL: 1, HIGH: 0, NORMAL: 2, LOW: 0, DEFERRED: 0 },
    inFlight: 1,
    deadLetters: 2,
    oldestPendingSeconds: 125,
  },
  waiting: {
    reason: 'database_down',
    since: now - 75_000,
    message: 'PostgreSQL behind the edge is unavailable',
  },
  synced: 10,
  failed: 4,
  deferred: 0,
  rejected: 1,
  conflicts: 0,
  edge: {
    url: 'http://edge.test',
    available: false,
    breaker: 'OPEN',
    load: 0.5,
    lastSyncAt: now - 90_000,
    lastError: 'edge unreachable: fetch failed',
  },
  cache: { hits: 3, misses: 1, size: 2 },
  metrics: {
    takenAt: now - 4_000,
    latencyMs: {
      localRead: { p50: 0.004, p99: 0.02, count: 9 },
      cacheHit: { p50: 0.003, p99: 0.004, count: 8 },
      push: { p50: null, p99: null, count: 0 },
      verify: { p50: 0.05, p99: 1.5, count: 20 },
      identify: { p50: null, p99: null, count: 0 },
    },
    verify: { accepted: 18, rejected: 2 },
    throughput: { syncedPerSec: 0 },
  },
  relay: {
    reachable: true,
    checkedAt: now - 2_000,
    error: null,
    breaker: 'HALF_OPEN',
    pool: { max: 3, active: 1, waiting: 0, load: 0.25 },
  },
};

describe('formatStatus', () => {
  it('puts each concern on one line with the figures the API gave', () => {
    const text = formatStatus(status, 'http://127.0.0.1:7420', plain, now);
    expect(text).toContain('http://127.0.0.1:7420  up 1h 2m');
    expect(text).toContain('unavailable  breaker OPEN  pool load 50.0%  last sync 1m 30s ago');
    expect(text).toContain('last error: edge unreachable: fetch failed');
    expect(text).toContain('breaker HALF_OPEN  pool 1/3 busy, 0 waiting, load 25.0%  checked 2s ago');
    expect(text).toContain(
      '3 pending (CRITICAL 1, HIGH 0, NORMAL 2, LOW 0, DEFERRED 0), oldest 2m 5s, 1 in flight, 2 dead letters',
    );
    expect(text).toContain('waiting   database down for 1m 15s: PostgreSQL behind the edge is unavailable');
    expect(text).toContain('hits 3, misses 1 (75.0% hit rate), 2 cached');
    expect(text).toContain('accepted 18, rejected 2; latency p50 50µs p99 1.50ms (20)');
    expect(text).toContain('push -');
  });

  it('colours states only when asked', () => {
    const coloured = formatStatus(status, 'x', pc.createColors(true), now);
    expect(coloured).toContain(pc.createColors(true).red('OPEN'));
    expect(formatStatus(status, 'x', plain, now)).not.toContain('\u001b[');
  });

  it('shows an agent without edge or metrics', () => {
    const { metrics: _metrics, ...rest } = status;
    const offline = { ...rest, relay: null, edge: { ...status.edge, url: null, available: null } };
    const text = formatStatus(offline, 'x', plain, now);
    expect(text).toContain('offline (no edge configured)');
    expect(text).not.toContain('another upstream');
    expect(text).not.toContain('relay');
  });

  it('shows a database that synced with another upstream, with the fix', () => {
    const moved = {
      ...status,
      edge: { ...status.edge, anotherUpstream: 'this database synced with another upstream: --reset-sync' },
    };
    expect(formatStatus(moved, 'x', plain, now)).toContain(
      'this database synced with another upstream: --reset-sync',
    );
  });
});
