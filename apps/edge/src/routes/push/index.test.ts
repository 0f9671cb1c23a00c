import { bytesToBase64, enrolmentHash, float64ToBytes } from '@voicesync/core';
import { describe, expect, it, vi } from 'vitest';
import { app } from '../../app.ts';
import type { Env } from '../../env.ts';
import { DEVICE_TOKEN_KEY, signedTestToken } from '../../../test/device-token.ts';
import type { RelayApi } from '../../relay/stub.ts';

const token = await signedTestToken();
const hash = 'a'.repeat(64);
const mutation = {
  mutationId: 1,
  speakerId: 'ada',
  op: 'delete',
  baseHash: null,
  contentHash: hash,
  updatedAt: 1,
  priority: 0,
};

/** A Relay whose planned write finds the state other than assumed, unless the test says otherwise. */
const notApplied = async () => ({ ok: true as const, value: { applied: false, load: 0 } });

function envWith(relay: Partial<RelayApi>): Env {
  const stub = { pushPlanned: notApplied, ...relay };
  return { DEVICE_TOKEN_KEY, RELAY: { idFromName: () => 'relay', get: () => stub } } as unknown as Env;
}

function post(
  body: string,
  env: Env,
  headers: Record<string, string> = { authorization: `Bearer ${token}` },
) {
  return app.request('/v1/push', { method: 'POST', body, headers }, env);
}

describe('POST /v1/push', () => {
  it('plans a batch on its assumed state and answers that plan once the Relay wrote it', async () => {
    const pushPlanned = vi.fn(async () => ({ ok: true as const, value: { applied: true, load: 0.2 } }));
    const push = vi.fn();
    const response = await post(JSON.stringify({ mutations: [mutation] }), envWith({ pushPlanned, push }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      lastMutationId: 1,
      results: [{ mutationId: 1, status: 'rejected', reason: expect.stringMatching(/tombstone hash/) }],
      load: 0.2,
    });
    const [credentials, argument, counts] = pushPlanned.mock.calls[0] as unknown as [
      unknown,
      string,
      unknown,
    ];
    expect(credentials).toEqual({ deviceId: 'dev_0123456789abcdef', secret: 's'.repeat(43) });
    // The rejected mutation still consumes its id; nothing else is written.
    expect(JSON.parse(argument)).toMatchObject({
      last: 0,
      expect: {},
      lastMutationId: 1,
      writes: [],
      changes: [],
    });
    expect(counts).toEqual({ applied: 0, duplicate: 0, conflict: 0, rejected: 1 });
    expect(push).not.toHaveBeenCalled();
  });

  it('passes the checked mutations to the Relay’s push when the assumed state does not hold', async () => {
    const ack = { lastMutationId: 1, results: [{ mutationId: 1, status: 'applied' }], load: 0.1 };
    const push = vi.fn(async () => ({ ok: true as const, value: ack }));
    const response = await post(JSON.stringify({ mutations: [mutation] }), envWith({ push } as never));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(ack);
    // The Worker decodes and hash-checks; this delete does not carry the tombstone hash.
    expect(push).toHaveBeenCalledWith({ deviceId: 'dev_0123456789abcdef', secret: 's'.repeat(43) }, [
      { mutation, reason: expect.stringMatching(/tombstone hash/) },
    ]);
  });

  it.each([
    ['malformed JSON', '{"mutations":', 400, 'invalid_json'],
    ['an empty batch', '{"mutations":[]}', 400, 'invalid_batch'],
    [
      'a gap inside the batch',
      JSON.stringify({ mutations: [mutation, { ...mutation, mutationId: 3 }] }),
      400,
      'invalid_batch',
    ],
  ])('refuses %s without calling the Relay', async (_, body, status, code) => {
    const push = vi.fn();
    const response = await post(body, envWith({ push }));
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
    expect(push).not.toHaveBeenCalled();
  });

  it('names the first issue of an invalid batch', async () => {
    const response = await post(
      JSON.stringify({ mutations: [mutation, { ...mutation, mutationId: 3 }] }),
      envWith({}),
    );
    expect(await response.json()).toEqual({
      error: {
        code: 'invalid_batch',
        message: 'mutations.1.mutationId: mutation ids must be consecutive',
        path: 'mutations.1.mutationId',
      },
    });
  });

  it('refuses a missing or malformed token with 401', async () => {
    const response = await post(JSON.stringify({ mutations: [mutation] }), envWith({}), {
      authorization: 'Bearer nope',
    });
    expect(response.status).toBe(401);
  });

  it('refuses a body over 8 MB with 413', async () => {
    const response = await post('x'.repeat(8 * 1024 * 1024 + 1), envWith({}));
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
  });

  it('turns a Relay failure into its status, details and Retry-After', async () => {
    const gap = {
      ok: false as const,
      status: 409,
      code: 'mutation_gap',
      message: 'gap',
      details: { expected: 4, lastMutationId: 3 },
    };
    const response = await post(
      JSON.stringify({ mutations: [mutation] }),
      envWith({ push: async () => gap }),
    );
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({
      error: { code: 'mutation_gap', message: 'gap', expected: 4, lastMutationId: 3 },
    });

    const open = {
      ok: false as const,
      status: 503,
      code: 'upstream_unavailable',
      message: 'open',
      details: { retryAfterMs: 59_001 },
    };
    const refused = await post(
      JSON.stringify({ mutations: [mutation] }),
      envWith({ pushPlanned: async () => open, push: vi.fn() }),
    );
    expect(refused.status).toBe(503);
    expect(refused.headers.get('Retry-After')).toBe('60');
  });

  it('decodes an enrolment delta and checks its hash before the Relay sees it', async () => {
    const sampleSum = new Array(192).fill(0);
    sampleSum[0] = 1.5;
    const delta = { name: 'Ada', acousticFeatures: null, sampleSum, samples: 2 };
    const enrol = {
      ...mutation,
      op: 'enrol',
      contentHash: await enrolmentHash({ speakerId: 'ada', ...delta }),
      enrolment: {
        name: 'Ada',
        acousticFeatures: null,
        samples: 2,
        sampleSumB64: bytesToBase64(float64ToBytes(sampleSum)),
      },
    };
    const forged = { ...enrol, mutationId: 2, enrolment: { ...enrol.enrolment, samples: 3 } };
    const push = vi.fn(async () => ({
      ok: true as const,
      value: { lastMutationId: 2, results: [], load: 0 },
    }));
    const response = await post(JSON.stringify({ mutations: [enrol, forged] }), envWith({ push } as never));
    expect(response.status).toBe(200);
    const [, checked] = push.mock.calls[0] as unknown as [
      unknown,
      Array<{ content?: { enrolment?: { sampleSum: Float64Array } }; reason?: string }>,
    ];
    expect(Array.from(checked[0]?.content?.enrolment?.sampleSum ?? [])).toEqual(sampleSum);
    expect(checked[1]?.reason).toMatch(/enrolmentHash/);
  });

  it('names a missing enrolment as the issue of the batch', async () => {
    const response = await post(JSON.stringify({ mutations: [{ ...mutation, op: 'enrol' }] }), envWith({}));
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toMatch(/an enrol carries its enrolment/);
  });

  it('refuses a forged token with 401 before reading the body (it used to answer 400 for a bad body)', async () => {
    const push = vi.fn();
    const forged = `dev_0123456789abcdef.${'s'.repeat(43)}.eyJ0IjoieCIsImlhdCI6MX0.${'A'.repeat(43)}`;
    for (const body of ['{"mutations":', 'x'.repeat(8 * 1024 * 1024 + 1)]) {
      const response = await post(body, envWith({ push }), { authorization: `Bearer ${forged}` });
      expect(response.status).toBe(401);
    }
    const unsigned = await post('{', envWith({ push }), {
      authorization: `Bearer dev_0123456789abcdef.${'s'.repeat(43)}`,
    });
    expect(unsigned.status).toBe(401);
    expect(push).not.toHaveBeenCalled();
  });
});
