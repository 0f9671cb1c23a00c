// Issue 11: a profile written without a priority is HIGH, as the original design writes profiles, so
// it leaves at once instead of waiting for the next 30 s round; a delete keeps NORMAL.
import { afterEach, describe, expect, it } from 'vitest';
import { randomVector } from '../support/index.ts';
import { type InProcessAgent, inProcessAgent, removeDatabase } from '../support/in-process-agent.ts';

describe('default priority of a profile write', () => {
  let local: InProcessAgent | undefined;
  afterEach(async () => {
    await local?.close();
    if (local) removeDatabase(local.db);
    local = undefined;
  });

  it('PUT /v1/profiles/{id} without a priority is HIGH; an explicit one is kept', async () => {
    // Offline (no edge), so the entries stay in the outbox to be looked at.
    local = await inProcessAgent({ defaults: true });
    const put = (id: string, priority?: string) =>
      local?.call('PUT', `/v1/profiles/${id}`, {
        name: id,
        embedding: randomVector(id.length),
        ...(priority ? { priority } : {}),
      });
    expect((await put('plain'))?.status).toBe(200);
    expect((await put('later', 'LOW'))?.status).toBe(200);
    const counts = await local.agent.outbox.counts();
    expect(counts.byPriority).toMatchObject({ HIGH: 1, LOW: 1, NORMAL: 0 });
    const entries = (await local.call('GET', '/v1/outbox?status=pending')).body.entries;
    expect(entries.map((e: { speakerId: string; priority: string }) => [e.speakerId, e.priority])).toEqual([
      ['plain', 'HIGH'],
      ['later', 'LOW'],
    ]);
  });
});
