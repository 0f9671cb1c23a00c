// Exactly-once under concurrency: copies of one device's batch arriving at the same time (a retry
// racing its original, two agent processes on one credential) are applied once. Every other test
// pushes a device's batches one after another, which cannot tell a locked device row and a
// same-transaction position from their absence.
import type { PushAck } from '@voicesync/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, push, startStack, upsertMutation } from '../support/stack.ts';

const ROUNDS = 5;
const BATCH = 5;
const COPIES = 6;

describe('concurrent copies of a batch', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ vars: { PG_MAX: '3' } });
  });
  afterAll(async () => {
    await stack?.destroy();
  });

  it('apply once: one answer says applied, the others duplicate, and PostgreSQL holds each write once', async () => {
    const device = await stack.device('tenant-replay');
    for (let round = 0; round < ROUNDS; round++) {
      const mutations = await Promise.all(
        Array.from({ length: BATCH }, (_, j) =>
          upsertMutation(`rep-${round}-${j}`, round * BATCH + j + 1, round * 100 + j),
        ),
      );
      const body = JSON.stringify({ mutations });
      const answers = await Promise.all(
        Array.from({ length: COPIES }, async () => {
          const response = await push(stack.edge.url, device.token, body);
          return { status: response.status, body: (await response.json()) as PushAck };
        }),
      );
      // A copy may wait out the pool (503, the agent retries it); none may fail otherwise.
      for (const answer of answers) expect([200, 503]).toContain(answer.status);
      const statuses = answers
        .filter((answer) => answer.status === 200)
        .flatMap((answer) => answer.body.results.map((result) => result.status));
      expect(statuses.filter((status) => status === 'applied')).toHaveLength(BATCH);
      expect(statuses.every((status) => status === 'applied' || status === 'duplicate')).toBe(true);
    }
    const [state] = await stack.sql<{ last: string; changes: number; profiles: number; versions: number }[]>`
      select (select last_mutation_id from devices where id = ${device.deviceId}) as last,
        (select count(*)::int from changes where tenant_id = 'tenant-replay') as changes,
        (select count(*)::int from profiles where tenant_id = 'tenant-replay') as profiles,
        (select count(*)::int from profiles where tenant_id = 'tenant-replay' and version <> 1) as versions`;
    expect({ ...state, last: Number(state?.last) }).toEqual({
      last: ROUNDS * BATCH,
      changes: ROUNDS * BATCH,
      profiles: ROUNDS * BATCH,
      versions: 0,
    });
  });
});
