// Issue 13, done when: RELAY_SHARDS=3 PG_MAX=3, six agents of two tenants writing at once into a
// PostgreSQL with max_connections=20: never more than 3 relay connections, every write exactly once,
// each tenant's agents identical.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleConnections } from '../harness/index.ts';
import type { Backend, FleetAgent } from '../multi-device/fleet.ts';
import { startBackend, startFleetAgent } from '../multi-device/fleet.ts';
import {
  agentHashes,
  caughtUp,
  drained,
  libsqlHashes,
  newestChange,
  postgresHashes,
} from '../multi-device/state.ts';
import { eventually, randomVector } from '../support/index.ts';
import { type EdgeStatus, relayStatus } from './status.ts';

const TENANTS = ['shard-a', 'shard-b'];
const WRITES_PER_AGENT = 40;
const PRIORITIES = ['CRITICAL', 'HIGH', 'NORMAL', 'LOW', 'DEFERRED'] as const;

describe('three relay shards under PG_MAX=3 (the settings under test)', () => {
  let backend: Backend;
  const fleet: FleetAgent[] = [];

  beforeAll(async () => {
    backend = await startBackend('scale-out', {
      vars: { RELAY_SHARDS: '3', PG_MAX: '3' },
      postgres: { settings: { max_connections: 20 } },
    });
    for (let i = 0; i < 6; i++) {
      const device = await backend.provision(TENANTS[i % 2]!);
      fleet.push(await startFleetAgent(backend, `agent-${i}`, device));
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(fleet.map((member) => member.close()));
    await backend?.destroy();
  });

  it('holds 3 connections in all, applies every write once, and converges each tenant', {
    timeout: 240_000,
  }, async () => {
    const sampler = sampleConnections(backend.pg.url, 10, { applicationName: 'voicesync-relay' });
    // Each agent writes its own speakers (so every write must leave its own change row) and
    // every fourth write goes to a speaker all its tenant's agents write (one winner to agree on).
    await Promise.all(
      fleet.map(async (member, a) => {
        for (let n = 0; n < WRITES_PER_AGENT; n++) {
          const shared = n % 4 === 0;
          const speakerId = shared ? `shared-${n}` : `own-${a}-${n}`;
          const body = {
            name: `${speakerId} by ${member.name}`,
            embedding: randomVector(a * 10_000 + n),
            totalSamples: 1,
            priority: PRIORITIES[n % PRIORITIES.length],
          };
          const { status } = await member.call('PUT', `/v1/profiles/${speakerId}`, body);
          expect(status).toBe(200);
        }
      }),
    );
    for (const member of fleet) member.agent.pusher?.flushSoon();
    await eventually(async () => (await Promise.all(fleet.map(drained))).every(Boolean), 120_000);
    const { max, samples, errors } = await sampler.stop();

    // The sampler ran all along and saw relay connections open. (How many samples fit in the run
    // depends on the machine's load and on how long the pushes take, one message each now: the
    // count is no measure of coverage; a sampler that failed shows errors, one that never saw a
    // push shows max 0.)
    expect(errors).toBe(0);
    expect(samples).toBeGreaterThan(10);
    expect(max).toBeGreaterThan(0);
    expect(max).toBeLessThanOrEqual(3);

    const status = await relayStatus(backend.edge.url);
    checkShares(status);
    // Routing by device id spreads six devices over more than one shard.
    expect(status.shards.filter((shard) => shard.push.batches > 0).length).toBeGreaterThan(1);

    // Exactly once: each device's position equals its writes, one change row per mutation id.
    const rows = await backend.sql<
      { id: string; last_mutation_id: string; changes: number; distinct_ids: number; max_id: string }[]
    >`select d.id, d.last_mutation_id,
        (select count(*)::int from changes c where c.device_id = d.id) as changes,
        (select count(distinct c.mutation_id)::int from changes c where c.device_id = d.id) as distinct_ids,
        (select coalesce(max(c.mutation_id), 0) from changes c where c.device_id = d.id) as max_id
      from devices d`;
    expect(rows).toHaveLength(6);
    for (const row of rows) {
      expect(Number(row.last_mutation_id), row.id).toBe(WRITES_PER_AGENT);
      expect(row.changes, row.id).toBe(WRITES_PER_AGENT);
      expect(row.distinct_ids, row.id).toBe(WRITES_PER_AGENT);
      expect(Number(row.max_id), row.id).toBe(WRITES_PER_AGENT);
    }

    for (const tenant of TENANTS) {
      const members = fleet.filter((member) => member.device.tenantId === tenant);
      const newest = await newestChange(backend.sql, tenant);
      await eventually(
        async () => (await Promise.all(members.map((m) => caughtUp(m, newest)))).every(Boolean),
        60_000,
      );
      const expected = JSON.stringify([...(await postgresHashes(backend.sql, tenant))]);
      // 3 agents x 30 own speakers + 10 shared (each written once by each agent: no coalescing).
      expect((await postgresHashes(backend.sql, tenant)).size).toBe(3 * 30 + 10);
      for (const member of members) {
        expect(JSON.stringify([...(await agentHashes(member))]), member.name).toBe(expected);
        expect(JSON.stringify([...(await libsqlHashes(member.dbPath))]), member.name).toBe(expected);
      }
    }
  });
});

/** The contract of GET /v1/status: one entry per shard, and the shares never add up past PG_MAX. */
function checkShares(status: EdgeStatus): void {
  expect(status.shards).toHaveLength(3);
  expect(status.budget).toEqual({ pgMax: 3, shards: 3, share: 1 });
  let sum = 0;
  for (const shard of status.shards) {
    expect(shard.pool).toEqual({
      max: 1,
      active: expect.any(Number),
      idle: expect.any(Number),
      waiting: expect.any(Number),
    });
    expect(['CLOSED', 'OPEN', 'HALF_OPEN']).toContain(shard.breaker.state);
    expect(shard.load).toBeGreaterThanOrEqual(0);
    sum += shard.pool?.max ?? 0;
  }
  expect(sum).toBeLessThanOrEqual(3);
}
