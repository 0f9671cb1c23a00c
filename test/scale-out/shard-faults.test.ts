// Issue 13: with RELAY_SHARDS=3, a dead PostgreSQL opens every shard's breaker within 1 s of its
// first failure (one probe per shard when half-open), and a revoked device is refused at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Device } from '../support/index.ts';
import { push, type Stack, startStack, upsertMutation } from '../support/stack.ts';
import { relayStatus, type ShardEntry } from './status.ts';

const OPEN_MS = 1_000;

async function devicesOnEveryShard(stack: Stack, tenant: string): Promise<Device[]> {
  const devices: Device[] = [];
  // Six devices leave a shard empty with probability 3 * (2/3)^6 ~ 26 %: provision until each shard has one.
  for (let i = 0; i < 40; i++) {
    devices.push(await stack.device(tenant));
    for (const device of devices) await pullOnce(stack, device);
    const status = await relayStatus(stack.edge.url);
    if (status.shards.every((shard) => (shard.pool?.idle ?? 0) + (shard.pool?.active ?? 0) > 0))
      return devices;
  }
  throw new Error('40 devices did not reach all three shards');
}

function pullOnce(stack: Stack, device: Device): Promise<Response> {
  return fetch(`${stack.edge.url}/v1/pull?cursor=0`, {
    headers: { authorization: `Bearer ${device.token}` },
  });
}

describe('shard faults under RELAY_SHARDS=3 PG_MAX=3 (the settings under test)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      // A 1 s open period (a setting under test) so the half-open probes come within the test.
      vars: {
        RELAY_SHARDS: '3',
        PG_MAX: '3',
        BREAKER_OPEN_MS: String(OPEN_MS),
        PG_CONNECT_TIMEOUT_MS: '1000',
      },
    });
  }, 120_000);
  afterAll(() => stack?.destroy());

  it('refuses a revoked device on push, pull and notify the moment revoke answers', async () => {
    const device = await stack.device('revoke-tenant');
    const body = { mutations: [await upsertMutation('r-1', 1, 1)] };
    expect((await push(stack.edge.url, device.token, body)).status).toBe(200);
    expect((await pullOnce(stack, device)).status).toBe(200);
    const revoke = await fetch(`${stack.edge.url}/v1/admin/devices/${device.deviceId}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.adminToken}` },
    });
    expect(revoke.status).toBe(200);
    const second = { mutations: [await upsertMutation('r-2', 2, 2)] };
    expect((await push(stack.edge.url, device.token, second)).status).toBe(403);
    expect((await pullOnce(stack, device)).status).toBe(403);
    const device403 = await fetch(`${stack.edge.url}/v1/device`, {
      headers: { authorization: `Bearer ${device.token}` },
    });
    expect(device403.status).toBe(403);
  });

  it('opens every shard within 1 s of its first failure, and lets one probe per shard through', {
    timeout: 120_000,
  }, async () => {
    const devices = await devicesOnEveryShard(stack, 'fault-tenant');
    expect((await relayStatus(stack.edge.url)).shards.map((s) => s.breaker.state)).toEqual([
      'CLOSED',
      'CLOSED',
      'CLOSED',
    ]);
    await stack.postgres.kill();
    try {
      // One request to one shard: that shard's first failure. The others see none at all.
      const first = devices[0]!;
      const failedAt = Date.now();
      const response = await pullOnce(stack, first);
      expect(response.status).toBe(503);
      let opened: ShardEntry[] = [];
      let seenAt = 0;
      while (Date.now() - failedAt < 3_000) {
        const status = await relayStatus(stack.edge.url);
        seenAt = Date.now();
        opened = status.shards;
        if (opened.every((shard) => shard.breaker.state === 'OPEN')) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(opened.map((shard) => shard.breaker.state)).toEqual(['OPEN', 'OPEN', 'OPEN']);
      // Each shard says how long it has been open (BREAKER_OPEN_MS - retryAfterMs), so the moment it
      // opened is known at the latest; timed from before the failing request was sent.
      const openedBy = Math.max(...opened.map((shard) => seenAt - (OPEN_MS - shard.breaker.retryAfterMs)));
      expect(openedBy - failedAt).toBeLessThan(1_000);

      // After the open period each shard admits one probe; concurrent requests are refused fast.
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const answers = await Promise.all(
        devices
          .flatMap((device) => [0, 1, 2].map(() => pullOnce(stack, device)))
          .map(async (r) => {
            const body = (await (await r).json()) as { error?: { code?: string } };
            return body.error?.code ?? 'ok';
          }),
      );
      const probes = answers.filter((code) => code === 'upstream_error').length;
      expect(probes).toBeGreaterThan(0);
      expect(probes).toBeLessThanOrEqual(3);
      expect(answers.filter((code) => code === 'upstream_unavailable').length).toBe(answers.length - probes);
    } finally {
      await stack.postgres.start();
    }
  });
});
