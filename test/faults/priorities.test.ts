// Issue 4: backpressure defers low priorities while CRITICAL goes through. Issue 11: an outage
// longer than the retry budget makes no dead letter and drains by itself. Nothing is dropped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EdgeHandle, startEdge } from '../harness/index.ts';
import { eventually, provisionDevice, randomVector } from '../support/index.ts';
import { inProcessAgent, removeDatabase } from '../support/in-process-agent.ts';
import { type Stack, startStack } from '../support/stack.ts';

describe('priorities, backpressure and dead letters', () => {
  let stack: Stack;
  let busyEdge: EdgeHandle;

  beforeAll(async () => {
    stack = await startStack({ vars: { PG_MAX: '3' } });
    // One connection: every acquisition finds the pool fully busy, so the reported load is 100 %.
    busyEdge = await startEdge({
      vars: { DATABASE_URL: stack.postgres.url, ADMIN_TOKEN: stack.adminToken, PG_MAX: '1' },
    });
  });
  afterAll(async () => {
    await busyEdge?.destroy();
    await stack?.destroy();
  });

  const upstream = async (tenant: string) =>
    new Set(
      (
        await stack.sql<{ speaker_id: string }[]>`SELECT speaker_id FROM profiles WHERE tenant_id = ${tenant}`
      ).map((r) => r.speaker_id),
    );

  it('with load above 80 %, LOW and DEFERRED wait while CRITICAL goes through', async () => {
    const device = await provisionDevice(busyEdge.url, stack.adminToken, 'tenant-busy');
    const local = await inProcessAgent({
      edgeUrl: busyEdge.url,
      token: device.token,
      // A cooldown well above the test's pace: a stalled machine must not let the load report
      // go stale between two CRITICAL acks, which would (rightly) release the low levels early.
      config: { syncIntervalMs: 3_000, backpressureCooldownMs: 8_000 },
    });
    try {
      const put = (id: string, priority: string) =>
        local.call('PUT', `/v1/profiles/${id}`, {
          name: id,
          embedding: randomVector(id.length * 31),
          priority,
        });
      await put('warmup', 'CRITICAL');
      await eventually(async () => local.agent.stats.load > 0.8);
      await put('low-1', 'LOW');
      await put('deferred-1', 'DEFERRED');
      // Critical traffic keeps the load report fresh while the low levels wait.
      for (let i = 0; i < 10; i++) {
        await put(`crit-${i}`, 'CRITICAL');
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      await eventually(async () => (await upstream('tenant-busy')).has('crit-9'));
      const during = await upstream('tenant-busy');
      expect(during.has('low-1')).toBe(false);
      expect(during.has('deferred-1')).toBe(false);
      const counts = await local.agent.outbox.counts();
      expect(counts.byPriority.LOW).toBe(1);
      expect(counts.byPriority.DEFERRED).toBe(1);
      expect(local.agent.stats.deferred).toBeGreaterThan(0);
      // Deferred, not dropped: once the load report is stale they go in the next full round.
      await eventually(async () => (await upstream('tenant-busy')).has('deferred-1'), 30_000);
      expect((await upstream('tenant-busy')).has('low-1')).toBe(true);
    } finally {
      await local.close();
      removeDatabase(local.db);
    }
  });

  it('an edge down past the old retry budget makes no dead letter; the queue says why it waits and drains by itself (defaults)', async () => {
    const { edge } = stack;
    const device = await stack.device('tenant-dead-letters');
    const local = await inProcessAgent({ edgeUrl: edge.url, token: device.token, defaults: true });
    try {
      await eventually(async () => (await local.agent.outbox.knowsUpstreamPosition()) || undefined);
      await edge.stop();
      for (let i = 0; i < 20; i++) {
        const { status } = await local.call('PUT', `/v1/profiles/dl-${i}`, {
          name: `DL${i}`,
          embedding: randomVector(60_000 + i),
          priority: i % 2 ? 'HIGH' : 'NORMAL',
        });
        expect(status).toBe(200);
      }
      // Five failed uploads (the whole retry budget of the old design) open the agent's breaker.
      await eventually(async () => local.agent.breaker.state === 'OPEN' || undefined, 60_000);
      expect(local.agent.stats.failed).toBeGreaterThanOrEqual(5);
      const counts = await local.agent.outbox.counts();
      expect(counts).toMatchObject({ pending: 20, deadLetters: 0 });
      const listed = await local.call('GET', '/v1/outbox?status=pending');
      expect(listed.body.entries.every((e: { attempts: number }) => e.attempts === 0)).toBe(true);
      const status = await local.call('GET', '/v1/status');
      expect(status.body.deadLetters).toBe(0);
      expect(status.body.waiting).toMatchObject({ reason: 'edge_down' });
      expect(status.body.waiting.since).toBeLessThanOrEqual(Date.now());
      expect(status.body.outbox.oldestPendingSeconds).toBeGreaterThan(0);

      // No command: the breaker's probe finds the edge back and a full round drains the queue.
      await edge.start();
      await eventually(async () => (await local.agent.outbox.counts()).pending === 0, 100_000, 500);
      expect((await local.agent.outbox.counts()).deadLetters).toBe(0);
      expect((await upstream('tenant-dead-letters')).size).toBe(20);
      expect((await local.call('GET', '/v1/status')).body.waiting).toBeNull();
    } finally {
      await local.close();
      removeDatabase(local.db);
    }
  }, 240_000);
});
