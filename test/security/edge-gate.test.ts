// Issue 12, edge side, against the real Worker in workerd and a real PostgreSQL: forged tokens stop
// at the Worker, failures are limited, secrets rotate with a grace period, cursors are per tenant.
import { createHmac, randomBytes } from 'node:crypto';
import type { PullResponse, PushAck } from '@voicesync/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, call, createDevice, type Device, upsert } from '../../apps/edge/test/edge-client.ts';
import type { EdgeHandle } from '../harness/index.ts';
import { type Stack, startStack } from '../support/stack.ts';

let stack: Stack;
let edge: EdgeHandle;

beforeAll(async () => {
  stack = await startStack({ vars: { ADMIN_TOKEN } });
  ({ edge } = stack);
}, 180_000);

afterAll(() => stack?.destroy());

interface Status {
  pool: { queries: number; load: number };
}

async function relayStatus(): Promise<Status['pool']> {
  return (await call<Status>(edge, 'GET', '/v1/status')).body.pool;
}

/** A token of the right shape (`<id>.<secret>.<claims>.<tag>`), tagged with a key the edge does not hold. */
function forgedToken(i: number): string {
  const deviceId = `dev_${i.toString(16).padStart(16, '0')}`;
  const secret = randomBytes(32).toString('base64url');
  const claims = Buffer.from(
    JSON.stringify({ t: 'tenant-gate', iat: Math.floor(Date.now() / 1000) }),
  ).toString('base64url');
  const tag = createHmac('sha256', randomBytes(32))
    .update(`${deviceId}.${secret}.${claims}`)
    .digest('base64url');
  return `${deviceId}.${secret}.${claims}.${tag}`;
}

describe('device rotation (voicesync device rotate)', () => {
  async function rotate(device: Device, body: Record<string, unknown>) {
    return call<{ token: string; previousTokenValidUntil: string }>(
      edge,
      'POST',
      `/v1/admin/devices/${device.deviceId}/rotate`,
      { token: ADMIN_TOKEN, body },
    );
  }

  it('issues a new token; the old one works through the grace period, then stops', async () => {
    const device = await createDevice(edge, 'tenant-rotate');
    const rotated = await rotate(device, { graceSeconds: 2 });
    expect(rotated.status).toBe(200);
    expect(rotated.body.token).not.toBe(device.token);
    expect((await call(edge, 'GET', '/v1/device', { token: device.token })).status).toBe(200);
    expect((await call(edge, 'GET', '/v1/device', { token: rotated.body.token })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    expect((await call(edge, 'GET', '/v1/device', { token: device.token })).status).toBe(401);
    expect((await call(edge, 'GET', '/v1/device', { token: rotated.body.token })).status).toBe(200);
  });

  it('with graceSeconds 0 the old token stops at once (a leaked token)', async () => {
    const device = await createDevice(edge, 'tenant-rotate');
    const rotated = await rotate(device, { graceSeconds: 0 });
    expect((await call(edge, 'GET', '/v1/device', { token: device.token })).status).toBe(401);
    expect((await call(edge, 'GET', '/v1/device', { token: rotated.body.token })).status).toBe(200);
  });

  it('an expiring token says when it expires', async () => {
    const answer = await call<{ token: string; expiresAt: string }>(edge, 'POST', '/v1/admin/devices', {
      token: ADMIN_TOKEN,
      body: { tenantId: 'tenant-rotate', expiresInSeconds: 3600 },
    });
    expect(answer.status).toBe(201);
    expect(Math.abs(Date.parse(answer.body.expiresAt) - Date.now() - 3_600_000)).toBeLessThan(60_000);
    expect((await call(edge, 'GET', '/v1/device', { token: answer.body.token })).status).toBe(200);
  });
});

describe('change cursors', () => {
  it("count the tenant's own changes only: another tenant's writes leave no gap", async () => {
    const mine = await createDevice(edge, 'tenant-cursor-a');
    const other = await createDevice(edge, 'tenant-cursor-b');
    const push = (device: Device, mutations: unknown[]) =>
      call<PushAck>(edge, 'POST', '/v1/push', { token: device.token, body: { mutations } });
    expect((await push(mine, [await upsert(1, 'a1', 1)])).status).toBe(200);
    const burst = await Promise.all([1, 2, 3, 4, 5].map((i) => upsert(i, `b${i}`, i)));
    expect((await push(other, burst)).status).toBe(200);
    expect((await push(mine, [await upsert(2, 'a2', 2)])).status).toBe(200);
    const pull = await call<PullResponse>(edge, 'GET', '/v1/pull?cursor=0', { token: mine.token });
    expect(pull.body.changes.map((change) => change.cursor)).toEqual([1, 2]);
    expect(pull.body.nextCursor).toBe(2);
  });
});

/**
 * One retry on a closed socket: the Worker answers a forged push without reading its body, so
 * workerd closes that connection instead of reusing it, and undici may already have picked it for
 * the next request. A real client retries the same way; every request still gets one answer.
 */
async function attempt(send: () => Promise<Response>): Promise<Response> {
  try {
    return await send();
  } catch {
    return send();
  }
}

describe('forged device tokens', () => {
  it('a bounded flood of 3,000 never reaches the Relay, never moves the load, and turns into 429', async () => {
    const device = await createDevice(edge, 'tenant-gate');
    const push = await call<PushAck>(edge, 'POST', '/v1/push', {
      token: device.token,
      body: { mutations: [await upsert(1, 'ada', 1, { updatedAt: Date.now() })] },
    });
    expect(push.status).toBe(200);
    expect((await call(edge, 'GET', '/v1/pull?cursor=0', { token: device.token })).status).toBe(200);
    const before = await relayStatus();

    const tokens = Array.from({ length: 50 }, (_, i) => forgedToken(i));
    const statuses = new Map<number, number>();
    let retryAfter: string | null = null;
    const body = JSON.stringify({ mutations: [await upsert(1, 'ada', 2)] });
    for (let round = 0; round < 60; round++) {
      const answers = await Promise.all(
        tokens.map((token, i) =>
          attempt(() =>
            fetch(`${edge.url}${i % 2 ? '/v1/pull?cursor=0' : '/v1/push'}`, {
              method: i % 2 ? 'GET' : 'POST',
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              ...(i % 2 ? {} : { body }),
            }),
          ),
        ),
      );
      for (const answer of answers) {
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (answer.status === 429) retryAfter = answer.headers.get('retry-after');
        await answer.arrayBuffer();
      }
    }
    expect([...statuses.keys()].sort()).toEqual([401, 429]);
    expect((statuses.get(401) ?? 0) + (statuses.get(429) ?? 0)).toBe(3000);
    expect(Number(retryAfter)).toBeGreaterThan(0);

    // Not one statement upstream, and the figure agents defer by did not move.
    const after = await relayStatus();
    expect(after.queries).toBe(before.queries);
    expect(after.load).toBe(before.load);
    // The honest device, from the same address, is not refused for the noise around it.
    const pull = await call<PullResponse>(edge, 'GET', '/v1/pull?cursor=0', { token: device.token });
    expect(pull.status).toBe(200);
    expect(pull.body.changes.map((change) => change.speakerId)).toEqual(['ada']);
  });

  it('an unsigned token from before signing is refused at the Worker (the default)', async () => {
    const device = await createDevice(edge, 'tenant-legacy');
    const unsigned = device.token.split('.').slice(0, 2).join('.');
    const before = await relayStatus();
    const answer = await call(edge, 'GET', '/v1/pull?cursor=0', { token: unsigned });
    expect([401, 429]).toContain(answer.status);
    expect((await relayStatus()).queries).toBe(before.queries);
  });

  it('wrong admin tokens are limited too: 429 with Retry-After after the limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const answer = await call(edge, 'GET', '/v1/admin/devices?tenantId=x', { token: `wrong-${i}` });
      statuses.push(answer.status);
    }
    expect(statuses).toContain(429);
    expect(statuses.every((status) => status === 401 || status === 429)).toBe(true);
  });
});
