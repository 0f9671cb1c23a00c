// Issue 16: agents and edges of before and after enrolment deltas, talking to each other.
import { base64ToBytes, bytesToFloat32, profileContentHash } from '@voicesync/core';
import { type PushAck, pullChangeSchema, pullResponseSchema } from '@voicesync/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { edgeFetch } from '../../apps/agent/src/sync/transport/http.ts';
import { eventually, randomVector } from '../support/index.ts';
import { inProcessAgent, removeDatabase } from '../support/in-process-agent.ts';
import { push, type Stack, startStack, upsertMutation } from '../support/stack.ts';
import { expectedCentroid, FLOAT32_ROUNDING, maxDifference, postgresProfile, utterance } from './expected.ts';

/** What an agent from before enrolment deltas parses a pull with: the same fields, minus the sum (zod strips unknown keys). */
const olderPullResponse = pullResponseSchema.extend({
  changes: z.array(pullChangeSchema.omit({ sampleSumB64: true })),
});

describe('compatibility across the enrolment-delta change', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.destroy());

  it('an older agent keeps working: its upserts are replaces, and it reads merged profiles whose hash it can check', async () => {
    const older = await stack.device('compat-old');
    const newer = await stack.device('compat-old');
    const legacy = await upsertMutation('guest', 1, 77);
    expect((await push(stack.edge.url, older.token, { mutations: [legacy] })).status).toBe(200);
    const before = await postgresProfile(stack.sql, 'compat-old', 'guest');
    expect(before).toMatchObject({ totalSamples: 1, sampleSum: null });

    const local = await inProcessAgent({ edgeUrl: stack.edge.url, token: newer.token });
    try {
      await eventually(async () => (await local.agent.profiles.readRow('guest'))?.totalSamples === 1);
      const res = await local.call('POST', '/v1/profiles/guest/samples', {
        embeddings: [utterance(1), utterance(2)],
      });
      expect(res.status).toBe(200);
      const merged = await eventually(async () => {
        const row = await postgresProfile(stack.sql, 'compat-old', 'guest');
        return row?.totalSamples === 3 ? row : undefined;
      });
      expect(merged.sampleSum).not.toBeNull();
      // The row from before counts as its centroid times its count, the new samples add to it.
      const centroid = expectedCentroid([
        { vector: randomVector(77), weight: 1 },
        { vector: utterance(1), weight: 1 },
        { vector: utterance(2), weight: 1 },
      ]);
      expect(maxDifference(merged.embedding, centroid)).toBeLessThanOrEqual(FLOAT32_ROUNDING);

      const response = await fetch(`${stack.edge.url}/v1/pull?cursor=0`, {
        headers: { authorization: `Bearer ${older.token}` },
      });
      const page = olderPullResponse.parse(await response.json());
      const change = page.changes.find((c) => c.speakerId === 'guest');
      expect(change?.profile?.totalSamples).toBe(3);
      const content = {
        speakerId: 'guest',
        name: change!.profile!.name,
        embedding: bytesToFloat32(base64ToBytes(change!.profile!.embeddingB64)),
        acousticFeatures: change!.profile!.acousticFeatures,
        totalSamples: 3,
      };
      expect(await profileContentHash(content)).toBe(change?.contentHash);

      // The older agent replaces it on top: a replace, based on the merged hash, resets the sum.
      const replace = await upsertMutation('guest', 2, 78);
      replace.baseHash = change!.contentHash as never;
      const ack = (await (
        await push(stack.edge.url, older.token, { mutations: [replace] })
      ).json()) as PushAck;
      expect(ack.results[0]).toMatchObject({ status: 'applied' });
      expect(await postgresProfile(stack.sql, 'compat-old', 'guest')).toMatchObject({
        totalSamples: 1,
        sampleSum: null,
      });
    } finally {
      await local.close();
      removeDatabase(local.db);
    }
  });

  it('a newer agent against an older edge: enrolments wait as dead letters saying why, until the edge is upgraded', async () => {
    const device = await stack.device('compat-new');
    // The older edge's own refusal of an op it does not know (its zod enum had two values).
    const refusal = z.enum(['upsert', 'delete']).safeParse('enrol').error?.issues[0]?.message;
    let upgraded = false;
    const local = await inProcessAgent({
      edgeUrl: stack.edge.url,
      token: device.token,
      fetch: async (input, init) => {
        if (!upgraded && input.endsWith('/v1/push') && String(init?.body).includes('"op":"enrol"')) {
          const body = { error: { code: 'invalid_batch', message: `mutations.0.op: ${refusal}` } };
          return new Response(JSON.stringify(body), {
            status: 400,
            headers: { 'content-type': 'application/json' },
          });
        }
        return edgeFetch(input, init);
      },
    });
    try {
      expect(
        (await local.call('POST', '/v1/profiles/kid/samples', { name: 'Kid', embeddings: [utterance(5)] }))
          .status,
      ).toBe(200);
      expect(
        (await local.call('PUT', '/v1/profiles/cat', { name: 'Cat', embedding: utterance(6) })).status,
      ).toBe(200);
      const dead = await eventually(async () => {
        const rows = await local.agent.outbox.list('dead', 10);
        return rows.length === 1 ? rows[0] : undefined;
      });
      expect(dead).toMatchObject({ speakerId: 'kid', op: 'enrol' });
      expect(dead?.lastError).toContain('mutations.0.op');
      expect(dead?.lastError).toContain('"upsert"|"delete"');
      // Replaces and deletes keep syncing meanwhile.
      await eventually(async () => (await postgresProfile(stack.sql, 'compat-new', 'cat')) !== undefined);

      upgraded = true;
      expect((await local.call('POST', '/v1/outbox/retry')).status).toBe(200);
      await eventually(
        async () => (await postgresProfile(stack.sql, 'compat-new', 'kid'))?.totalSamples === 1,
      );
    } finally {
      await local.close();
      removeDatabase(local.db);
    }
  });
});
