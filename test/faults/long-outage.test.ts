// Issue 11: a 24-hour outage in fast time, on default settings. The real Pusher, Outbox and libSQL
// file run on an injected clock whose sleeps move it forward; the edge is unreachable for 24 hours
// of that clock, then the real Worker and PostgreSQL take the backlog. Nothing may dead-letter.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CircuitBreaker, ManualClock, type Sleep, toPriority } from '@voicesync/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../apps/agent/src/config/index.ts';
import { createLogger } from '../../apps/agent/src/logger/index.ts';
import { Outbox } from '../../apps/agent/src/sync/outbox/index.ts';
import { ProfileStore } from '../../apps/agent/src/profiles/index.ts';
import { openStore } from '../../apps/agent/src/store/index.ts';
import { edgeFetch } from '../../apps/agent/src/sync/transport/http.ts';
import { Pusher } from '../../apps/agent/src/sync/push/pusher.ts';
import { SyncStats } from '../../apps/agent/src/sync/stats.ts';
import { EdgeTransport, type Fetch } from '../../apps/agent/src/sync/transport/index.ts';
import { eventually, randomVector } from '../support/index.ts';
import { type Stack, startStack } from '../support/stack.ts';

const HOUR = 3_600_000;
const OUTAGE_MS = 24 * HOUR;
const WRITES = 10_000;

describe('a 24-hour outage in fast time (default settings)', () => {
  let stack: Stack;
  let dir: string;

  beforeAll(async () => {
    stack = await startStack();
    dir = mkdtempSync(join(tmpdir(), 'voicesync-long-outage-'));
  });
  afterAll(async () => {
    await stack?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('10,000 writes at every priority wait 24 h with 0 dead letters, bounded attempts, and drain after', async () => {
    const device = await stack.device('tenant-long-outage');
    // Defaults, except where the agent is told where the edge is.
    const config = resolveConfig({ db: join(dir, 'agent.db'), edgeUrl: stack.edge.url, token: device.token });
    expect(config.maxAttempts).toBe(5);
    expect(config.backoffMaxMs).toBe(60_000);
    const store = await openStore(config.db);
    const start = Date.now();
    const clock = new ManualClock(start);
    const profiles = new ProfileStore(store, { now: () => clock.now() });
    for (let i = 0; i < WRITES; i++) {
      const priority = toPriority(i % 5);
      await profiles.put(`p-${i}`, { name: `P${i}`, embedding: new Float32Array(randomVector(i)) }, priority);
    }

    const wroteMs = Date.now() - start;
    const outageEnd = start + OUTAGE_MS;
    const requestsPerHour = new Map<number, number>();
    const requestTimes: number[] = [];
    const reasons = new Set<string>();
    let recoveredAt: number | undefined;
    let firstAckAfterRecovery: number | undefined;
    const fetch: Fetch = async (input, init) => {
      const now = clock.now();
      if (now < outageEnd) {
        const hour = Math.floor((now - start) / HOUR);
        requestsPerHour.set(hour, (requestsPerHour.get(hour) ?? 0) + 1);
        requestTimes.push(now);
        if (stats.waiting) reasons.add(stats.waiting.reason);
        throw new TypeError('fetch failed: connect ECONNREFUSED (outage)');
      }
      recoveredAt ??= now;
      const response = await edgeFetch(input, init);
      if (response.ok && input.endsWith('/v1/push')) firstAckAfterRecovery ??= now;
      return response;
    };
    // Every sleep moves the clock: hours pass in seconds. Yield to I/O so libSQL and the test run.
    const sleeps: number[] = [];
    const sleep: Sleep = async (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
      await new Promise((resolve) => setImmediate(resolve));
    };
    const outbox = new Outbox(store);
    const stats = new SyncStats();
    const breaker = new CircuitBreaker(clock, config.breaker);
    const transport = new EdgeTransport({
      edgeUrl: config.edgeUrl ?? '',
      token: device.token,
      timeoutMs: config.requestTimeoutMs,
      fetch,
    });
    const pusher = new Pusher(
      outbox,
      transport,
      breaker,
      stats,
      clock,
      sleep,
      config,
      createLogger('silent'),
    );
    pusher.start();
    let drainWallMs = 0;
    try {
      await eventually(async () => clock.now() >= outageEnd, 120_000);
      const recoveryWall = Date.now();
      // Through the whole outage: every write still pending, none spent an attempt.
      const during = await outbox.counts();
      expect(during.deadLetters).toBe(0);
      await eventually(async () => (await outbox.counts()).pending === 0, 180_000);
      drainWallMs = Date.now() - recoveryWall;
    } finally {
      await pusher.stop();
    }

    expect([...reasons]).toEqual(['edge_down']);
    const counts = await outbox.counts();
    expect(counts.deadLetters).toBe(0);
    expect(stats.deadLettered).toBe(0);
    // No busy loop: the agent tries about once a minute (breaker probe or capped backoff), every hour.
    const hours = Array.from({ length: 24 }, (_, h) => requestsPerHour.get(h) ?? 0);
    for (const n of hours) {
      expect(n).toBeGreaterThanOrEqual(30);
      expect(n).toBeLessThanOrEqual(70);
    }
    // Backoff capped at 60 s: no sleep and no gap between two attempts is longer.
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(60_000);
    const gaps = requestTimes.slice(1).map((t, i) => t - (requestTimes[i] ?? t));
    expect(Math.max(...gaps)).toBeLessThanOrEqual(60_000);
    // Recovery is noticed within one capped wait, and the queue drains by itself.
    expect((recoveredAt ?? Number.POSITIVE_INFINITY) - outageEnd).toBeLessThanOrEqual(60_000);
    expect(firstAckAfterRecovery).toBeDefined();
    const upstream = await stack.sql<{ n: string }[]>`
      SELECT COUNT(*) AS n FROM profiles WHERE tenant_id = 'tenant-long-outage'`;
    expect(Number(upstream[0]?.n)).toBe(WRITES);
    console.log(
      `24 h outage in fast time: ${WRITES} writes, attempts per hour ${Math.min(...hours)}-${Math.max(...hours)}, ` +
        `longest wait ${Math.max(...sleeps) / 1000} s, recovery noticed after ${((recoveredAt ?? 0) - outageEnd) / 1000} s, ` +
        `drained in ${drainWallMs} ms of wall time (writes took ${wroteMs} ms), 0 dead letters`,
    );
    store.close();
  }, 600_000);
});
