// pushBatch against a real, throwaway PostgreSQL: one message when the batch continues, the full path otherwise.
import { CircuitBreaker, systemClock, tombstoneHash, VoicesyncError } from '@voicesync/core';
import { MUTATION_GAP } from '@voicesync/schema';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresHandle, startPostgres } from '../../../../../test/harness/index.ts';
import { checkBatch, tableState, upsert } from '../../../test/edge-client.ts';
import { relayConfig } from '../../config/index.ts';
import { Upstream } from '../upstream/index.ts';
import { applyBatch } from './locked.ts';
import { assumedState, planAssumed, writePlanned } from './push.ts';
import type { Checked } from './validate.ts';
import { type PushingDevice, pushLiteral } from './write.ts';

let cluster: PostgresHandle;
let sql: postgres.Sql;
let upstream: Upstream;
const LATEST = Number.MAX_SAFE_INTEGER;

beforeAll(async () => {
  cluster = await startPostgres();
  sql = postgres(cluster.url, { max: 1, onnotice: () => {} });
  upstream = new Upstream(cluster.url, relayConfig({}).pool, new CircuitBreaker(systemClock), systemClock);
}, 120_000);

afterAll(async () => {
  await sql?.end({ timeout: 1 });
  await cluster?.destroy();
});

async function device(deviceId: string, tenantId: string) {
  await sql`insert into tenants (id) values (${tenantId}) on conflict do nothing`;
  await sql`insert into devices (id, tenant_id, secret_hash) values (${deviceId}, ${tenantId}, 'x')`;
  return { deviceId, tenantId };
}

/** What the push route and the Relay do together: the planned write, else the read-then-write transaction. */
async function pushBatch(dev: PushingDevice, batch: Checked[]) {
  const planned = await planAssumed(batch);
  if (planned) {
    const written = await writePlanned(upstream, dev, planned.argument);
    if (written.applied) return { ...planned.plan, newestChange: written.newestChange };
  }
  return upstream.transaction((tx) => applyBatch(tx, dev, batch, LATEST));
}

/** Statements the pool sent while `work` ran: 1 for the one-message path. */
async function statementsOf<T>(work: () => Promise<T>): Promise<{ value: T; statements: number }> {
  const before = upstream.poolSnapshot()?.queries ?? 0;
  const value = await work();
  return { value, statements: (upstream.poolSnapshot()?.queries ?? 0) - before };
}

describe('pushBatch', () => {
  it('writes a batch that continues where the device and its speakers stand in one statement', async () => {
    const dev = await device('d1', 't1');
    const first = await upsert(1, 'ada', 1);
    const batch = await checkBatch([first, await upsert(2, 'ada', 2, { baseHash: first.contentHash })]);
    const { value, statements } = await statementsOf(() => pushBatch(dev, batch));
    expect(statements).toBe(1);
    expect(value.results.map((r) => r.status)).toEqual(['applied', 'applied']);
    expect(value.newestChange).toBe(2);
    const [row] = await sql`select content_hash, version from profiles where tenant_id = 't1'`;
    expect(row).toEqual({ content_hash: batch[1]?.content?.contentHash, version: 2 });
    const changes = await sql`select seq, mutation_id from changes where tenant_id = 't1' order by seq`;
    expect(changes.map((c) => [Number(c.seq), Number(c.mutation_id)])).toEqual([
      [1, 1],
      [2, 2],
    ]);
    const [{ last_mutation_id: last } = {}] = await sql`select last_mutation_id from devices where id = 'd1'`;
    expect(Number(last)).toBe(2);
  });

  it('answers a replay as duplicates through the full path and writes nothing twice', async () => {
    const dev = { deviceId: 'd1', tenantId: 't1' };
    const before = await tableState(sql);
    const batch = await checkBatch([await upsert(1, 'ada', 1), await upsert(2, 'ada', 2)]);
    const { value, statements } = await statementsOf(() => pushBatch(dev, batch));
    expect(statements).toBeGreaterThan(1);
    expect(value.results.map((r) => r.status)).toEqual(['duplicate', 'duplicate']);
    expect(value.newestChange).toBeNull();
    expect(await tableState(sql)).toEqual(before);
  });

  it('plans a stale base on the real state: the conflict is recorded as the full path records it', async () => {
    const dev = await device('d2', 't1');
    const stale = await checkBatch([await upsert(1, 'ada', 9, { updatedAt: 1 })]);
    const { value, statements } = await statementsOf(() => pushBatch(dev, stale));
    expect(statements).toBeGreaterThan(1);
    expect(value.results).toMatchObject([{ status: 'conflict', winner: 'server' }]);
    const conflicts = await sql`select device_id, winner from conflicts where tenant_id = 't1'`;
    expect(conflicts).toEqual([{ device_id: 'd2', winner: 'server' }]);
  });

  it('refuses a gap and a revoked device and changes nothing', async () => {
    const dev = await device('d3', 't1');
    const before = await tableState(sql);
    const gap = pushBatch(dev, await checkBatch([await upsert(5, 'cy', 1)]));
    await expect(gap).rejects.toMatchObject({ code: MUTATION_GAP, details: { expected: 1 } });
    await sql`update devices set revoked_at = now() where id = 'd3'`;
    const revoked = pushBatch(dev, await checkBatch([await upsert(1, 'cy', 1)]));
    await expect(revoked).rejects.toBeInstanceOf(VoicesyncError);
    await expect(revoked).rejects.toMatchObject({ code: 'device_revoked' });
    expect(await tableState(sql)).toEqual(before);
  });

  it('stores names and features with quotes, backslashes and dollar quotes exactly', async () => {
    const dev = await device('d4', 't2');
    const name = "$$ ' \\ $voicesync$ ); drop table profiles; --";
    const acousticFeatures = { $$: "'$$'", 'a\\b': ['$1', '\u00e9\u{1f600}'] };
    const batch = await checkBatch([await upsert(1, 'eve', 1, { name, acousticFeatures })]);
    const { statements } = await statementsOf(() => pushBatch(dev, batch));
    expect(statements).toBe(1);
    const [row] = await sql`select name, acoustic_features from profiles where tenant_id = 't2'`;
    expect(row).toEqual({ name, acoustic_features: acousticFeatures });
  });
});

describe('the one-message path against the read-then-write transaction', () => {
  it('answers and writes exactly what the transaction does for the same batch and state', async () => {
    const [planned, locked] = [await device('d5', 't5'), await device('d6', 't6')];
    const ada = await upsert(1, 'ada', 1);
    const batch = await checkBatch([
      ada,
      await upsert(2, 'bob', 2),
      await upsert(3, 'ada', 3, { baseHash: ada.contentHash }),
      { ...(await upsert(4, 'cy', 4)), contentHash: 'f'.repeat(64) },
      {
        mutationId: 5,
        speakerId: 'bob',
        op: 'delete',
        baseHash: (await upsert(2, 'bob', 2)).contentHash,
        contentHash: await tombstoneHash('bob'),
        updatedAt: 1_700_000_000_005,
        priority: 2,
      },
    ]);
    const viaPlan = await statementsOf(() => pushBatch(planned, batch));
    const viaLock = await upstream.transaction((tx) => applyBatch(tx, locked, batch, LATEST));
    expect(viaPlan.statements).toBe(1);
    expect(viaPlan.value).toEqual(viaLock);
    const rows = (tenant: string) => sql`
      select speaker_id, name, embedding, acoustic_features, total_samples, sample_sum, content_hash,
        version, deleted, updated_at from profiles where tenant_id = ${tenant} order by speaker_id`;
    expect(await rows('t5')).toEqual(await rows('t6'));
    const log = (tenant: string) => sql`
      select seq, speaker_id, content_hash, mutation_id from changes where tenant_id = ${tenant} order by seq`;
    expect(await log('t5')).toEqual(await log('t6'));
  });
});

describe('the assumption behind the one-message path', () => {
  it('takes each speaker’s base from its first mutation and leaves enrolments to the full path', async () => {
    const a = await upsert(3, 'ada', 1, { baseHash: 'h-ada' });
    const batch = await checkBatch([
      a,
      await upsert(4, 'ada', 2, { baseHash: a.contentHash }),
      await upsert(5, 'bob', 3),
    ]);
    const assumed = assumedState(batch);
    expect(assumed?.last).toBe(2);
    expect([...(assumed?.expect ?? [])]).toEqual([
      ['ada', 'h-ada'],
      ['bob', null],
    ]);
    const enrol = { ...batch[0], content: { ...batch[0]?.content, enrolment: {} } } as (typeof batch)[0];
    expect(assumedState([enrol])).toBeNull();
  });

  it('names the authenticated device whatever the argument text says', () => {
    const literal = pushLiteral('{"deviceId":"other","last":1}', { deviceId: 'd"1', tenantId: 't1' });
    expect(JSON.parse(literal.slice(2, -9))).toEqual({ deviceId: 'd"1', last: 1, tenantId: 't1' });
  });

  it('writes no dollar sign into the literal, whatever the content or the ids', () => {
    const device = { deviceId: 'd$1', tenantId: '$$t$' };
    for (const argument of [JSON.stringify({ name: '$$x$tag$' }), JSON.stringify({ name: 'no dollar' })]) {
      const literal = pushLiteral(argument, device);
      expect(literal.slice(0, 2)).toBe('$$');
      expect(literal.slice(-9)).toBe('$$::jsonb');
      expect(literal.slice(2, -9)).not.toContain('$');
      expect(JSON.parse(literal.slice(2, -9))).toEqual({ ...JSON.parse(argument), ...device });
    }
  });
});
