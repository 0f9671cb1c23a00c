// The Relay's statements against a real PostgreSQL, in a tenant that grew by 20,000 profiles after
// the connection had cached its plans (PL/pgSQL and prepared statements plan once per connection,
// and a pooled connection lives for thousands of requests): each must read what it serves, not
// the tenant. 0005's voicesync_push read every profile of the tenant per batch (40,097 rows here).
import { createHash } from 'node:crypto';
import type { Mutation } from '@voicesync/schema';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresHandle, startPostgres } from '../../../../test/harness/index.ts';
import { checkBatch, upsert } from '../../test/edge-client.ts';
import { rowsRead } from '../../test/rows-read.ts';
import { applyBatch, planAssumed, writePlanned } from './apply/index.ts';
import { pullChanges } from './pull/index.ts';
import { oneMessageTransaction } from './upstream/one-message.ts';
import { pipelinedTransaction } from './upstream/pipelined.ts';
import type { Upstream } from './upstream/index.ts';

const TENANT = 't-large';
const DEVICE = { deviceId: 'd-large', tenantId: TENANT };
const BULK = 20_000;
const TIMEOUT_MS = 10_000;
const LATEST = Number.MAX_SAFE_INTEGER;

let cluster: PostgresHandle;
let admin: postgres.Sql;
/** The connection under test: one session throughout, as a Relay's pooled connection. */
let session: postgres.Sql;
let nextId = 1;

/** What `writePlanned` needs of an Upstream: the one message, on the session under test. */
const sessionUpstream = {
  oneMessage: (statement: string) => oneMessageTransaction(session, TIMEOUT_MS, statement),
} as unknown as Upstream;

async function onePush(mutations: Mutation[]): Promise<boolean> {
  const planned = await planAssumed(await checkBatch(mutations));
  if (!planned) throw new Error('the batch does not hold to its assumed state');
  return (await writePlanned(sessionUpstream, DEVICE, planned.argument)).applied;
}

async function fullPush(mutations: Mutation[]) {
  const batch = await checkBatch(mutations);
  return pipelinedTransaction(session, TIMEOUT_MS, (tx) => applyBatch(tx, DEVICE, batch, LATEST));
}

const pull = (cursor: number) =>
  pullChanges((statement) => sessionUpstream.oneMessage(statement), TENANT, DEVICE.deviceId, cursor, 100);

/** Rows of `profiles` and `changes` read by the session under test while `work` ran. */
const read = (work: () => Promise<unknown>) => rowsRead(session, ['profiles', 'changes'], work);

const mutationsFor = async (speakers: Array<{ id: string; baseHash?: string }>) => {
  const list: Mutation[] = [];
  for (const { id, baseHash } of speakers) {
    list.push(await upsert(nextId++, id, nextId, baseHash === undefined ? {} : { baseHash }));
  }
  return list;
};

beforeAll(async () => {
  cluster = await startPostgres();
  admin = postgres(cluster.url, { max: 1, onnotice: () => {} });
  session = postgres(cluster.url, { max: 1, onnotice: () => {} });
  await admin`insert into tenants (id) values (${TENANT})`;
  await admin`insert into devices (id, tenant_id, secret_hash) values (${DEVICE.deviceId}, ${TENANT}, 'x')`;
  // While the tenant is small: each path runs often enough for its plans to be cached.
  for (let k = 1; k <= 8; k++) {
    expect(await onePush(await mutationsFor([{ id: `small-one-${k}` }]))).toBe(true);
    await fullPush(await mutationsFor([{ id: `small-full-${k}` }]));
    await pull(0);
  }
  // Then the tenant grows by another road (an import, other shards' devices), with its change log.
  await admin`insert into profiles (tenant_id, speaker_id, name, embedding, total_samples, content_hash,
      updated_at, updated_by)
    select ${TENANT}, 'bulk-' || g, 'bulk', decode(repeat('00', 768), 'hex'), 1, md5(g::text), 0, ${DEVICE.deviceId}
    from generate_series(1, ${BULK}) g`;
  await admin`insert into changes (tenant_id, seq, speaker_id, content_hash, device_id, mutation_id)
    select ${TENANT}, t.change_seq + g, 'bulk-' || g, md5(g::text), ${DEVICE.deviceId}, 0
    from tenants t, generate_series(1, ${BULK}) g where t.id = ${TENANT}`;
  await admin`update tenants set change_seq = change_seq + ${BULK} where id = ${TENANT}`;
}, 120_000);

afterAll(async () => {
  await session?.end({ timeout: 1 });
  await admin?.end({ timeout: 1 });
  await cluster?.destroy();
});

/** Half the batch updates bulk profiles (based on their stored hash), half adds new speakers. */
async function mixedBatch(tag: string, from: number): Promise<Mutation[]> {
  const speakers = [];
  for (let k = from; k < from + 25; k++) {
    speakers.push({ id: `bulk-${k}`, baseHash: createHash('md5').update(String(k)).digest('hex') });
    speakers.push({ id: `${tag}-${k}` });
  }
  return mutationsFor(speakers);
}

describe('a tenant that grew after the plans were cached', () => {
  it('a one-message push of 50 reads its own speakers’ rows, not the tenant’s', async () => {
    const batch = await mixedBatch('one', 1);
    let applied = false;
    const rows = await read(async () => {
      applied = await onePush(batch);
    });
    expect(applied).toBe(true);
    // 50 lookups by primary key, 25 of them finding a row; a scan of the tenant reads 20,000 or more.
    expect(rows).toBeGreaterThanOrEqual(25);
    expect(rows).toBeLessThan(500);
  });

  it('a push through the read-then-write transaction reads its own speakers’ rows, not the tenant’s', async () => {
    const batch = await mixedBatch('full', 101);
    let statuses: string[] = [];
    const rows = await read(async () => {
      statuses = (await fullPush(batch)).results.map((result) => result.status);
    });
    expect(statuses).toEqual(batch.map(() => 'applied'));
    expect(rows).toBeGreaterThanOrEqual(25);
    expect(rows).toBeLessThan(500);
  });

  it('a pull page of 100 from the middle of the log reads about its page', async () => {
    let served = 0;
    const rows = await read(async () => {
      served = (await pull(10_000)).changes.length;
    });
    expect(served).toBe(100);
    // The page's changes and their profiles (101 each); a scan of the tenant reads 20,000 or more.
    expect(rows).toBeGreaterThanOrEqual(100);
    expect(rows).toBeLessThan(1_000);
  });
});
