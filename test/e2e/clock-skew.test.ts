// Issue 12, item 2 (agent side): a profile pinned at updatedAt 2^53-1 turned every later local write into a dead
// letter (2^53 fails the wire schema), and a device whose clock ran a year ahead stamped its writes a year ahead.
import { mutationSchema } from '@voicesync/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_WIRE_UPDATED_AT } from '../../apps/agent/src/clock-skew/index.ts';
import { type InProcessAgent, inProcessAgent, removeDatabase } from '../support/in-process-agent.ts';
import { eventually, randomVector } from '../support/index.ts';
import { type Stack, startStack } from '../support/stack.ts';

const YEAR_MS = 365 * 24 * 3600 * 1000;

async function newestOutboxUpdatedAt(agent: InProcessAgent): Promise<number> {
  const { rows } = await agent.agent.store.client.execute(
    'SELECT updated_at FROM outbox ORDER BY seq DESC LIMIT 1',
  );
  return Number(rows[0]?.updated_at);
}

describe('write times', () => {
  it('a profile pinned at the wire limit takes the next local write at the local time, which the wire accepts', async () => {
    const agent = await inProcessAgent();
    try {
      expect(
        (await agent.call('PUT', '/v1/profiles/pinned', { name: 'P', embedding: randomVector(1) })).status,
      ).toBe(200);
      // As pulled from an edge where a hostile device had pushed the largest safe integer.
      await agent.agent.store.client.execute({
        sql: 'UPDATE profiles SET updated_at = ? WHERE speaker_id = ?',
        args: [MAX_WIRE_UPDATED_AT, 'pinned'],
      });
      agent.agent.profiles.forget('pinned');
      const before = Date.now();
      expect(
        (await agent.call('PUT', '/v1/profiles/pinned', { name: 'Q', embedding: randomVector(2) })).status,
      ).toBe(200);
      const updatedAt = await newestOutboxUpdatedAt(agent);
      expect(mutationSchema.shape.updatedAt.safeParse(updatedAt).success).toBe(true);
      expect(updatedAt).toBeGreaterThanOrEqual(before);
      expect(updatedAt).toBeLessThanOrEqual(Date.now());
    } finally {
      await agent.close();
      removeDatabase(agent.db);
    }
  });
});

describe('a device whose clock runs a year ahead', { timeout: 180_000 }, () => {
  let stack: Stack;
  let agent: InProcessAgent;
  const logs: string[] = [];
  beforeAll(async () => {
    stack = await startStack();
    const device = await stack.device('skewed');
    agent = await inProcessAgent({
      edgeUrl: stack.edge.url,
      token: device.token,
      clock: { now: () => Date.now() + YEAR_MS },
      logs,
    });
  }, 180_000);
  afterAll(async () => {
    await agent?.close();
    if (agent) removeDatabase(agent.db);
    await stack?.destroy();
  });

  it("is detected from the edge's Date header, logged, shown in /v1/status, and its writes carry the edge's time", async () => {
    const clock = await eventually(async () => {
      const { body } = await agent.call('GET', '/v1/status');
      return body.clock?.ahead ? body.clock : undefined;
    }, 60_000);
    expect(Math.abs(clock.skewMs - YEAR_MS)).toBeLessThan(60_000);
    expect(logs.some((line) => line.includes("local clock is ahead of the edge's"))).toBe(true);
    const before = Date.now();
    expect(
      (await agent.call('PUT', '/v1/profiles/skewed', { name: 'S', embedding: randomVector(3) })).status,
    ).toBe(200);
    await agent.call('POST', '/v1/sync');
    await eventually(async () => (await agent.call('GET', '/v1/status')).body.outbox.pending === 0, 60_000);
    const rows = await stack.sql<
      { updated_at: string }[]
    >`SELECT updated_at FROM profiles WHERE speaker_id = 'skewed'`;
    const stored = Number(rows[0]?.updated_at);
    expect(stored).toBeGreaterThan(before - 120_000);
    expect(stored).toBeLessThan(Date.now() + 120_000);
  });
});
