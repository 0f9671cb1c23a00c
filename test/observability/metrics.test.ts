// /metrics and /v1/status after known writes, reads, verifications and edge outages: every figure moves as it must.
import { afterEach, describe, expect, it } from 'vitest';
import type { statusSnapshot } from '../../apps/agent/src/api/routes/status.ts';
import { closedPort, DIM, embedding, FakeEdge, startTestAgent, type TestAgent, waitFor } from './fixtures.ts';
import { parsePrometheusText } from './prometheus-text.ts';

let running: TestAgent | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function scrape(t: TestAgent) {
  const response = await t.request('/metrics');
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return parsePrometheusText(await response.text());
}

async function status(t: TestAgent) {
  return (await (await t.request('/v1/status')).json()) as Awaited<ReturnType<typeof statusSnapshot>>;
}

const put = (t: TestAgent, id: string, seed: number, priority: string) =>
  t.request(`/v1/profiles/${id}`, {
    method: 'PUT',
    body: { name: id, embedding: embedding(seed), priority },
  });

const logLines = (t: TestAgent, msg: string) => t.logs.filter((line) => JSON.parse(line).msg === msg);

describe('metrics after writes, reads, verifications and an unreachable edge', () => {
  it('counts what happened and shows the breaker open', async () => {
    const port = await closedPort();
    const t = await startTestAgent({
      edgeUrl: `http://127.0.0.1:${port}`,
      token: 'device-token-for-metrics-test',
      breaker: { failureThreshold: 2, openMs: 60_000 },
      backoffInitialMs: 10,
      backoffMaxMs: 20,
      threshold: 0.9,
      metricsIntervalMs: 100,
    });
    running = t;
    for (const [i, priority] of ['CRITICAL', 'HIGH', 'NORMAL', 'LOW'].entries()) {
      expect((await put(t, `s${i}`, i + 1, priority)).status).toBe(200);
    }
    expect((await t.request('/v1/profiles/s0')).status).toBe(200);
    expect((await t.request('/v1/profiles/s1')).status).toBe(200);
    expect((await t.request('/v1/profiles/nobody')).status).toBe(404);
    const verify = (seed: number) =>
      t.request('/v1/verify', { method: 'POST', body: { speakerId: 's0', embedding: embedding(seed) } });
    expect(await (await verify(1)).json()).toMatchObject({ accepted: true });
    expect(await (await verify(3)).json()).toMatchObject({ accepted: false });
    expect(
      (await t.request('/v1/identify', { method: 'POST', body: { embedding: embedding(2) } })).status,
    ).toBe(200);
    await waitFor(() => t.agent.breaker.state === 'OPEN');
    // The relay health check runs on its own timer: wait for its first answer as well.
    await waitFor(() => t.agent.metrics.relayView()?.checkedAt != null);

    const m = await scrape(t);
    expect(m.types.get('voicesync_verify_seconds')).toBe('histogram');
    expect(m.value('voicesync_outbox_pending')).toBe(4);
    for (const priority of ['CRITICAL', 'HIGH', 'NORMAL', 'LOW']) {
      expect(m.value('voicesync_outbox_pending_by_priority', { priority })).toBe(1);
    }
    expect(m.value('voicesync_outbox_pending_by_priority', { priority: 'DEFERRED' })).toBe(0);
    expect(m.value('voicesync_outbox_dead_letters')).toBe(0);
    expect(m.value('voicesync_cache_hits_total')).toBe(2);
    expect(m.value('voicesync_cache_misses_total')).toBe(1);
    expect(m.value('voicesync_local_read_seconds_count', { cache: 'hit' })).toBe(2);
    expect(m.value('voicesync_local_read_seconds_count', { cache: 'miss' })).toBe(1);
    expect(m.value('voicesync_sync_synced_total')).toBe(0);
    expect(m.value('voicesync_sync_failed_total')).toBe(t.agent.stats.failed);
    expect(m.value('voicesync_push_seconds_count')).toBe(m.value('voicesync_sync_batches_total'));
    expect(m.value('voicesync_edge_available')).toBe(0);
    expect(m.value('voicesync_edge_breaker_state', { state: 'OPEN' })).toBe(1);
    expect(m.value('voicesync_edge_breaker_state', { state: 'CLOSED' })).toBe(0);
    expect(m.value('voicesync_relay_reachable')).toBe(0);
    expect(m.value('voicesync_last_health_check_timestamp_seconds')).toBeGreaterThan(0);
    expect(m.value('voicesync_last_sync_timestamp_seconds')).toBe(0);
    expect(m.value('voicesync_uptime_seconds')).toBeGreaterThan(0);

    const s = await status(t);
    expect(s.outbox).toMatchObject({ pending: 4, deadLetters: 0 });
    expect(s.edge).toMatchObject({ breaker: 'OPEN', available: false });
    expect(s.relay).toMatchObject({ reachable: false });
    expect(s.relay?.error).toContain('ECONNREFUSED');
    // The snapshot catches up within one metricsIntervalMs.
    const scraped = Date.now();
    await waitFor(async () => (await status(t)).metrics.takenAt > scraped);
    expect((await status(t)).metrics).toMatchObject({
      edge: { available: false, breaker: 'OPEN' },
      outbox: { pending: 4 },
      cache: { hits: 2, misses: 1 },
      relay: { reachable: false },
    });

    expect(logLines(t, 'edge breaker CLOSED -> OPEN')).toHaveLength(1);
    expect(logLines(t, 'edge unavailable: writes wait in the outbox')).toHaveLength(1);
  });

  it('counts verify and identify decisions and times them', async () => {
    const t = await startTestAgent({ threshold: 0.9, metricsIntervalMs: 60_000 });
    running = t;
    await put(t, 'alice', 1, 'HIGH');
    const verify = (seed: number) =>
      t.request('/v1/verify', { method: 'POST', body: { speakerId: 'alice', embedding: embedding(seed) } });
    await verify(1);
    await verify(1);
    await verify(5);
    await t.request('/v1/identify', { method: 'POST', body: { embedding: embedding(1) } });
    const m = await scrape(t);
    expect(m.value('voicesync_verify_total', { decision: 'accepted' })).toBe(2);
    expect(m.value('voicesync_verify_total', { decision: 'rejected' })).toBe(1);
    expect(m.value('voicesync_verify_seconds_count')).toBe(3);
    expect(m.value('voicesync_identify_total', { decision: 'accepted' })).toBe(1);
    expect(m.value('voicesync_identify_seconds_count')).toBe(1);
    const snapshot = await t.agent.metrics.take();
    expect(snapshot.verify).toEqual({ accepted: 2, rejected: 1 });
    expect(snapshot.latencyMs.verify.count).toBe(3);
    expect(snapshot.latencyMs.verify.p99).toBeGreaterThanOrEqual(snapshot.latencyMs.verify.p50 ?? 0);
  });
});

describe('metrics through an outage and a recovery', () => {
  it('shows the outage as waiting, dead letters only from refusals, then the edge back, the breaker closed and the relay state', async () => {
    const edge = new FakeEdge();
    const t = await startTestAgent(
      {
        edgeUrl: 'https://edge.test',
        token: 'device-token-for-recovery-test',
        breaker: { failureThreshold: 2, successThreshold: 1, openMs: 300 },
        backoffInitialMs: 10,
        backoffMaxMs: 20,
        maxAttempts: 2,
        metricsIntervalMs: 100,
        relayStatusIntervalMs: 1000,
      },
      edge.fetch,
    );
    running = t;
    // The agent first learns its position upstream; then the edge goes away under a write.
    await waitFor(() => t.agent.stats.edgeAvailable === true);
    edge.down = true;
    expect((await put(t, 'alice', 1, 'CRITICAL')).status).toBe(200);
    // The outage opens the breaker and costs the write nothing: it waits, and says why.
    await waitFor(() => t.agent.breaker.state === 'OPEN');
    let m = await scrape(t);
    expect(m.value('voicesync_outbox_pending')).toBe(1);
    expect(m.value('voicesync_outbox_dead_letters')).toBe(0);
    expect(m.value('voicesync_sync_failed_total')).toBeGreaterThanOrEqual(2);
    expect(m.value('voicesync_outbox_waiting', { reason: 'edge_down' })).toBe(1);
    expect(m.value('voicesync_outbox_waiting_since_timestamp_seconds')).toBeGreaterThan(0);
    expect(m.value('voicesync_outbox_oldest_pending_seconds')).toBeGreaterThanOrEqual(0);
    expect((await t.agent.outbox.list('pending', 1))[0]?.attempts).toBe(0);

    // The edge is back but refuses the mutation: only that spends attempts, up to the (lowered) budget.
    edge.down = false;
    edge.rejectMutations = true;
    await waitFor(async () => (await t.agent.outbox.counts()).deadLetters === 1);
    m = await scrape(t);
    expect(m.value('voicesync_outbox_dead_letters')).toBe(1);
    expect(m.value('voicesync_sync_dead_lettered_total')).toBe(1);
    expect(m.value('voicesync_outbox_pending')).toBe(0);
    expect(m.value('voicesync_outbox_waiting', { reason: 'edge_down' })).toBe(0);
    expect(logLines(t, 'edge rejected mutations; each spends an attempt')).toHaveLength(2);

    edge.rejectMutations = false;
    expect(await (await t.request('/v1/outbox/retry', { method: 'POST' })).json()).toEqual({ requeued: 1 });
    await waitFor(() => t.agent.stats.synced === 1 && t.agent.breaker.state === 'CLOSED');
    await waitFor(() => t.agent.metrics.relayView()?.reachable === true, 5_000);
    m = await scrape(t);
    expect(m.value('voicesync_sync_synced_total')).toBe(1);
    expect(m.value('voicesync_outbox_dead_letters')).toBe(0);
    expect(m.value('voicesync_outbox_pending')).toBe(0);
    expect(m.value('voicesync_edge_available')).toBe(1);
    expect(m.value('voicesync_edge_breaker_state', { state: 'CLOSED' })).toBe(1);
    expect(m.value('voicesync_upstream_pool_load')).toBeCloseTo(0.42);
    expect(m.value('voicesync_last_sync_timestamp_seconds')).toBeGreaterThan(0);
    expect(m.value('voicesync_push_seconds_count')).toBeGreaterThanOrEqual(3);
    expect(m.value('voicesync_relay_reachable')).toBe(1);
    expect(m.value('voicesync_relay_breaker_state', { state: 'CLOSED' })).toBe(1);
    expect(m.value('voicesync_relay_pool_load')).toBeCloseTo(0.42);
    expect(edge.applied.map((mutation) => mutation.speakerId)).toEqual(['alice']);
    expect(logLines(t, 'edge back: pushes reach the edge again')).toHaveLength(1);
    expect(logLines(t, 'edge breaker HALF_OPEN -> CLOSED')).toHaveLength(1);
    expect(logLines(t, 'dead letters re-queued')).toHaveLength(1);

    edge.relayBreaker = 'OPEN';
    await waitFor(() => t.agent.metrics.relayView()?.breaker === 'OPEN', 5_000);
    m = await scrape(t);
    expect(m.value('voicesync_relay_breaker_state', { state: 'OPEN' })).toBe(1);
    expect(logLines(t, 'relay breaker CLOSED -> OPEN')).toHaveLength(1);
    const s = await status(t);
    expect(s.relay).toMatchObject({ reachable: true, breaker: 'OPEN', pool: { max: 3 } });
    await waitFor(async () => (await status(t)).metrics.relay?.breaker === 'OPEN');
  });

  it('keeps one registry per agent, so agents in one process do not mix their figures', async () => {
    const a = await startTestAgent();
    const b = await startTestAgent();
    try {
      await a.request('/v1/profiles/solo', {
        method: 'PUT',
        body: { name: 'solo', embedding: embedding(9, DIM) },
      });
      expect((await scrape(a)).value('voicesync_outbox_pending')).toBe(1);
      expect((await scrape(b)).value('voicesync_outbox_pending')).toBe(0);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
