// Issue 12, item 2 (edge side): a device's clock cannot pin a profile's conflict order, against the
// real Worker and PostgreSQL. Default MAX_CLOCK_SKEW_MS (5 min) throughout.
import type { PullResponse, PushAck } from '@voicesync/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, call, createDevice, type Device, upsert } from '../../apps/edge/test/edge-client.ts';
import type { EdgeHandle } from '../harness/index.ts';
import type { Sql } from '../support/index.ts';
import { type Stack, startStack } from '../support/stack.ts';

let stack: Stack;
let sql: Sql;
let edge: EdgeHandle;

beforeAll(async () => {
  stack = await startStack({ vars: { ADMIN_TOKEN } });
  ({ sql, edge } = stack);
}, 180_000);

afterAll(() => stack?.destroy());

const YEAR_MS = 365 * 86_400_000;

async function push(device: Device, mutations: unknown[]): Promise<PushAck> {
  const answer = await call<PushAck>(edge, 'POST', '/v1/push', { token: device.token, body: { mutations } });
  expect(answer.status).toBe(200);
  return answer.body;
}

async function storedUpdatedAt(tenantId: string, speakerId: string): Promise<number> {
  const [row] = await sql<{ updated_at: string }[]>`
    select updated_at from profiles where tenant_id = ${tenantId} and speaker_id = ${speakerId}`;
  return Number(row?.updated_at);
}

describe('updatedAt ahead of the edge clock', () => {
  it('the 9007199254740991 attack: clamped to the edge clock, and the next honest write wins', async () => {
    const attacker = await createDevice(edge, 'tenant-clock');
    const honest = await createDevice(edge, 'tenant-clock');
    const before = Date.now();
    const pinned = await upsert(1, 'owner', 1, { updatedAt: Number.MAX_SAFE_INTEGER });
    expect((await push(attacker, [pinned])).results[0]?.status).toBe('applied');
    const stored = await storedUpdatedAt('tenant-clock', 'owner');
    expect(stored).toBeGreaterThanOrEqual(before);
    expect(stored).toBeLessThanOrEqual(Date.now());
    const pulled = await call<PullResponse>(edge, 'GET', '/v1/pull?cursor=0', { token: honest.token });
    expect(pulled.body.changes[0]?.updatedAt).toBe(stored);
    expect(edge.logs.join('\n')).toMatch(/clock skew: device dev_[0-9a-f]{16} sent 1 updatedAt/);

    // Concurrent (stale base) write with an honest clock: it wins, where it used to lose forever.
    const repair = await upsert(1, 'owner', 2, { updatedAt: Date.now() + 1 });
    const ack = await push(honest, [repair]);
    expect(ack.results[0]).toMatchObject({ status: 'conflict', winner: 'incoming' });
  });

  it('a device whose clock is a year ahead keeps syncing, and cannot outrank the others for a year', async () => {
    const ahead = await createDevice(edge, 'tenant-year');
    const other = await createDevice(edge, 'tenant-year');
    const first = await upsert(1, 'spk', 1, { updatedAt: Date.now() + YEAR_MS });
    const second = await upsert(2, 'spk', 2, {
      updatedAt: Date.now() + YEAR_MS,
      baseHash: first.contentHash,
    });
    const ack = await push(ahead, [first, second]);
    expect(ack.results.map((r) => r.status)).toEqual(['applied', 'applied']);
    expect(await storedUpdatedAt('tenant-year', 'spk')).toBeLessThanOrEqual(Date.now());

    const concurrent = await upsert(1, 'spk', 3, { updatedAt: Date.now() + 1, baseHash: first.contentHash });
    expect((await push(other, [concurrent])).results[0]).toMatchObject({
      status: 'conflict',
      winner: 'incoming',
    });
  });

  it('a skew within MAX_CLOCK_SKEW_MS is kept as the device sent it', async () => {
    const device = await createDevice(edge, 'tenant-skew');
    const updatedAt = Date.now() + 60_000;
    await push(device, [await upsert(1, 'spk', 1, { updatedAt })]);
    expect(await storedUpdatedAt('tenant-skew', 'spk')).toBe(updatedAt);
  });

  it('a profile pinned by a write from before the fix is repaired by the next write', async () => {
    const device = await createDevice(edge, 'tenant-pinned');
    const old = await upsert(1, 'spk', 1, { updatedAt: 1 });
    await push(device, [old]);
    // What the old edge accepted and stored: 2^53-1.
    await sql`update profiles set updated_at = ${Number.MAX_SAFE_INTEGER}
      where tenant_id = 'tenant-pinned' and speaker_id = 'spk'`;
    const other = await createDevice(edge, 'tenant-pinned');
    const write = await upsert(1, 'spk', 2, { updatedAt: Date.now(), baseHash: null });
    expect((await push(other, [write])).results[0]).toMatchObject({ status: 'conflict', winner: 'incoming' });
    expect(await storedUpdatedAt('tenant-pinned', 'spk')).toBe(write.updatedAt);
  });
});
