// Issue 4: PostgreSQL with max_connections=10, 50 devices pushing at once for 30 s: the relay stays
// within PG_MAX connections, nobody sees "too many clients", and every mutation applies exactly once.
import { randomBytes } from 'node:crypto';
import { bytesToBase64, float32ToBytes, profileContentHash } from '@voicesync/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EdgeHandle,
  type PostgresHandle,
  sampleConnections,
  startEdge,
  startPostgres,
} from '../harness/index.ts';
import { type Device, pg, provisionDevice, randomVector, type Sql } from '../support/index.ts';

const ADMIN = randomBytes(18).toString('base64url');
const DEVICES = 50;
const DURATION_MS = Number(process.env.VOICESYNC_STORM_MS ?? 30_000);

async function mutation(deviceIndex: number, id: number) {
  const speakerId = `storm-${deviceIndex}-${id}`;
  const embedding = randomVector(deviceIndex * 100_000 + id);
  const contentHash = await profileContentHash({
    speakerId,
    name: speakerId,
    embedding,
    acousticFeatures: null,
    totalSamples: 1,
  });
  return {
    mutationId: id,
    speakerId,
    op: 'upsert',
    baseHash: null,
    contentHash,
    updatedAt: Date.now(),
    priority: 2,
    profile: {
      name: speakerId,
      embeddingB64: bytesToBase64(float32ToBytes(embedding)),
      acousticFeatures: null,
      totalSamples: 1,
    },
  };
}

describe('connection storm', () => {
  let postgres: PostgresHandle;
  let edge: EdgeHandle;
  let sql: Sql;

  beforeAll(async () => {
    postgres = await startPostgres({ settings: { max_connections: 10 } });
    sql = pg(postgres.url);
    edge = await startEdge({ vars: { DATABASE_URL: postgres.url, ADMIN_TOKEN: ADMIN, PG_MAX: '3' } });
  });
  afterAll(async () => {
    await sql?.end({ timeout: 1 });
    await edge?.destroy();
    await postgres?.destroy();
  });

  it('holds the cap and applies every acknowledged mutation exactly once', async () => {
    const devices: Device[] = [];
    for (let i = 0; i < DEVICES; i++)
      devices.push(await provisionDevice(edge.url, ADMIN, `storm-tenant-${i % 5}`));
    const sampler = sampleConnections(postgres.url, 10, { applicationName: 'voicesync-relay' });
    const acked = new Array<number>(DEVICES).fill(0);
    const statuses = new Map<number, number>();
    const bodies: string[] = [];
    const deadline = Date.now() + DURATION_MS;
    await Promise.all(
      devices.map(async (device, d) => {
        while (Date.now() < deadline) {
          const first = acked[d]! + 1;
          const batch = await Promise.all([0, 1, 2, 3, 4].map((k) => mutation(d, first + k)));
          const response = await fetch(`${edge.url}/v1/push`, {
            method: 'POST',
            headers: { authorization: `Bearer ${device.token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ mutations: batch }),
          });
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
