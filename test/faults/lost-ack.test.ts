// Issue 4: the edge commits but the acknowledgement never reaches the agent; the resend is a no-op.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edgeFetch } from '../../apps/agent/src/sync/transport/http.ts';
import { eventually, randomVector } from '../support/index.ts';
import { inProcessAgent, removeDatabase } from '../support/in-process-agent.ts';
import { type Stack, startStack } from '../support/stack.ts';

describe('lost acknowledgement', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.destroy());

  it('resends with the same ids, changes nothing upstream, and empties the outbox', async () => {
    const { edge, sql } = stack;
    const device = await stack.device('tenant-lost');
    let dropped = 0;
    const local = await inProcessAgent({
      edgeUrl: edge.url,
      token: device.token,
      config: { batchSize: 10 },
      // The request reaches the edge and commits; the answer is thrown away, as a dropped link would.
      fetch: async (input, init) => {
        const response = await edgeFetch(input, init);
        if (input.endsWith('/v1/push') && dropped < 3) {
          dropped += 1;
          await response.arrayBuffer();
          throw new TypeError('fetch failed: connection reset after the request was sent');
        }
        return response;
      },
    });
    try {
      for (let i = 0; i < 25; i++) {
        const { status } = await local.call('PUT', `/v1/profiles/lost-${i}`, {
          name: `L${i}`,
          embedding: randomVector(30_000 + i),
          priority: 'HIGH',
        });
        expect(status).toBe(200);
      }
      await eventually(async () => (await local.agent.outbox.counts()).pending === 0, 60_000);
      expect(dropped).toBe(3);
      const rows = await sql<
        { version: number }[]
      >`SELECT version FROM profiles WHERE tenant_id = 'tenant-lost'`;
      expect(rows).toHaveLength(25);
      expect(rows.every((r) => r.version === 1)).toBe(true);
      const [changes] = await sql<
        { n: number }[]
      >`SELECT count(*)::int AS n FROM changes WHERE tenant_id = 'tenant-lost'`;
      expect(changes?.n).toBe(25);
      const [dev] = await sql<
        { last_mutation_id: string }[]
      >`SELECT last_mutation_id FROM devices WHERE id = ${device.deviceId}`;
      expect(Number(dev?.last_mutation_id)).toBe(25);
      expect(local.agent.stats.synced).toBe(25);
    } finally {
      await local.close();
      removeDatabase(local.db);
    }
  });
});
