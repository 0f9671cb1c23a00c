// Issue 4: PostgreSQL with max_connections=10, 50 devices pushing at once for 30 s: the relay stays
// within PG_MAX connections, nobody sees "too many clients", and every mutation applies exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleConnections } from '../harness/index.ts';
import type { Device } from '../support/index.ts';
import { push, type Stack, startStack, upsertMutation } from '../support/stack.ts';

const DEVICES = 50;
const DURATION_MS = Number(process.env.VOICESYNC_STORM_MS ?? 30_000);

describe('connection storm', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ vars: { PG_MAX: '3' }, postgres: { settings: { max_connections: 10 } } });
  });
  afterAll(() => stack?.destroy());

  it('holds the cap and applies every acknowledged mutation exactly once', async () => {
    const { edge, sql, postgres } = stack;
    const devices: Device[] = [];
    for (let i = 0; i < DEVICES; i++) devices.push(await stack.device(`storm-tenant-${i % 5}`));
    const sampler = sampleConnections(postgres.url, 10, { applicationName: 'voicesync-relay' });
    const acked = new Array<number>(DEVICES).fill(0);
    const statuses = new Map<number, number>();
    const bodies: string[] = [];
    const deadline = Date.now() + DURATION_MS;
    await Promise.all(
      devices.map(async (device, d) => {
        while (Date.now() < deadline) {
          const first = acked[d]! + 1;
          const batch = await Promise.all(
            [0, 1, 2, 3, 4].map((k) =>
              upsertMutation(`storm-${d}-${first + k}`, first + k, d * 100_000 + first + k),
            ),
          );
          const response = await push(edge.url, device.token, { mutations: batch });
          const text = await response.text();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          if (response.status === 200)
            acked[d] = (JSON.parse(text) as { lastMutationId: number }).lastMutationId;
          else {
            bodies.push(text);
            const wait = Math.min(500, Number(response.headers.get('retry-after') ?? 0) * 1000);
            await new Promise((resolve) => setTimeout(resolve, wait || 20));
          }
        }
      }),
    );
    const { max, samples } = await sampler.stop();
    expect(samples).toBeGreaterThan(100);
    expect(max).toBeGreaterThan(0);
    expect(max).toBeLessThanOrEqual(3);
    expect(bodies.join('\n')).not.toMatch(/too many clients|53300|remaining connection slots/);
    // Waiting for a slot is bounded: a refusal is a 503 with Retry-After, never a hang or a 500.
    for (const status of statuses.keys()) expect([200, 503]).toContain(status);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(DEVICES);

    const rows = await sql<{ id: string; last_mutation_id: string; changes: number; profiles: number }[]>`
      SELECT d.id, d.last_mutation_id,
        (SELECT count(*)::int FROM changes c WHERE c.device_id = d.id) AS changes,
        (SELECT count(*)::int FROM profiles p WHERE p.updated_by = d.id) AS profiles
      FROM devices d WHERE d.tenant_id LIKE 'storm-tenant-%'`;
    const byId = new Map(rows.map((r) => [r.id, r]));
    devices.forEach((device, d) => {
      const row = byId.get(device.deviceId);
      expect(Number(row?.last_mutation_id)).toBe(acked[d]);
      expect(row?.changes).toBe(acked[d]);
      expect(row?.profiles).toBe(acked[d]);
    });
    const [versions] = await sql<
      { n: number }[]
    >`SELECT count(*)::int AS n FROM profiles WHERE tenant_id LIKE 'storm-tenant-%' AND version <> 1`;
    expect(versions?.n).toBe(0);
  });
});
