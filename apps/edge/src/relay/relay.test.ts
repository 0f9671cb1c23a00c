// The bundled Worker in Miniflare against a real, throwaway PostgreSQL: the push and pull contract.
import { bytesToBase64, float32ToBytes, tombstoneHash } from '@voicesync/core';
import type { Mutation, PullResponse, PushAck } from '@voicesync/schema';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  type CallOptions,
  call,
  createDevice,
  type Device,
  errorCode,
  tableState,
  upsert,
  vector,
} from '../../test/edge-client.ts';
import {
  type EdgeHandle,
  type PostgresHandle,
  startEdge,
  startPostgres,
} from '../../../../test/harness/index.ts';

let cluster: PostgresHandle;
let sql: postgres.Sql;
let edge: EdgeHandle;

beforeAll(async () => {
  cluster = await startPostgres();
  sql = postgres(cluster.url, { max: 2, onnotice: () => {} });
  edge = await startEdge({ vars: { DATABASE_URL: cluster.url, ADMIN_TOKEN, PG_MAX: '3' } });
}, 180_000);

afterAll(async () => {
  await edge?.destroy();
  await sql?.end({ timeout: 1 });
  await cluster?.destroy();
});

describe('push', () => {
  let device: Device;
  let batch: Mutation[];

  it('applies three profiles with byte-identical embeddings and the same content hashes', async () => {
    device = await createDevice(edge, 'tenant-a');
    batch = [await upsert(1, 'ada', 1), await upsert(2, 'bob', 2), await upsert(3, 'cy', 3)];
    const answer = await call<PushAck>(edge, 'POST', '/v1/push', {
      token: device.token,
      body: { mutations: batch },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.lastMutationId).toBe(3);
    expect(answer.body.results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied']);
    expect(answer.body.load).toBeGreaterThan(0);
    const rows = await sql<
      { speaker_id: string; embedding: Buffer; content_hash: string; version: number }[]
    >`
      select speaker_id, embedding, content_hash, version from profiles where tenant_id = 'tenant-a' order by speaker_id`;
    expect(rows).toHaveLength(3);
    for (const [i, row] of rows.entries()) {
      const sent = batch[i]!;
      expect(Buffer.compare(row.embedding, Buffer.from(sent.profile!.embeddingB64, 'base64'))).toBe(0);
      expect(row.content_hash).toBe(sent.contentHash);
      expect(row.version).toBe(1);
    }
    const [dev] = await sql`select last_mutation_id from devices where id = ${device.deviceId}`;
    expect(Number(dev!.last_mutation_id)).toBe(3);
  });

  it('treats a replayed batch as a no-op', async () => {
    const before = await tableState(sql);
    const answer = await call<PushAck>(edge, 'POST', '/v1/push', {
      token: device.token,
      body: { mutations: batch },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.lastMutationId).toBe(3);
    expect(answer.body.results.map((r) => r.status)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect(await tableState(sql)).toEqual(before);
  });

  it('refuses a gap with 409 and the expected id, changing nothing', async () => {
    const before = await tableState(sql);
    const answer = await call(edge, 'POST', '/v1/push', {
      token: device.token,
      body: { mutations: [await upsert(5, 'dee', 5)] },
    });
    expect(answer.status).toBe(409);
    expect(answer.body).toEqual({
      error: { code: 'mutation_gap', message: expect.any(String), expected: 4, lastMutationId: 3 },
    });
    expect(await tableState(sql)).toEqual(before);
  });

  it('rejects a bad mutation without blocking the next one', async () => {
    const wrongDim = await upsert(4, 'dee', 4);
    wrongDim.profile!.embeddingB64 = bytesToBase64(float32ToBytes(vector(4).slice(0, 191)));
    const next = await upsert(5, 'eve', 5);
    const answer = await call<PushAck>(edge, 'POST', '/v1/push', {
      token: device.token,
      body: { mutations: [wrongDim, next] },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.lastMutationId).toBe(5);
    expect(answer.body.results[0]).toMatchObject({
      mutationId: 4,
      status: 'rejected',
      reason: expect.stringMatching(/192/),
    });
    expect(answer.body.results[1]).toMatchObject({ mutationId: 5, status: 'applied' });
    expect(
      await sql`select 1 from profiles where tenant_id = 'tenant-a' and speaker_id = 'dee'`,
    ).toHaveLength(0);
    expect(
      await sql`select 1 from profiles where tenant_id = 'tenant-a' and speaker_id = 'eve'`,
    ).toHaveLength(1);
  });

  it('records conflicts and resolves them by updatedAt, then contentHash', async () => {
    const other = await createDevice(edge, 'tenant-a');
    const [ada] = await sql<{ content_hash: string; updated_at: string }[]>`
      select content_hash, updated_at from profiles where tenant_id = 'tenant-a' and speaker_id = 'ada'`;
    // Newer than the server and derived from stale content: the write wins.
    const newer = await upsert(1, 'ada', 11, { baseHash: null, updatedAt: Number(ada!.updated_at) + 1000 });
    // Older than what the server now holds: the server wins.
    const older = await upsert(2, 'ada', 12, { baseHash: ada!.content_hash, updatedAt: 1 });
    const answer = await call<PushAck>(edge, 'POST', '/v1/push', {
      token: other.token,
      body: { mutations: [newer, older] },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.results).toEqual([
      { mutationId: 1, status: 'conflict', winner: 'incoming', contentHash: newer.contentHash },
      { mutationId: 2, status: 'conflict', winner: 'server', contentHash: newer.contentHash },
    ]);
    const conflicts = await sql`
      select base_hash, server_hash, incoming_hash, winner from conflicts where device_id = ${other.deviceId} order by mutation_id`;
    expect(conflicts).toEqual([
      {
        base_hash: null,
        server_hash: ada!.content_hash,
        incoming_hash: newer.contentHash,
        winner: 'incoming',
      },
      {
        base_hash: ada!.content_hash,
        server_hash: newer.contentHash,
        incoming_hash: older.contentHash,
        winner: 'server',
      },
    ]);
    const [row] =
      await sql`select content_hash, version from profiles where tenant_id = 'tenant-a' and speaker_id = 'ada'`;
    expect(row).toEqual({ content_hash: newer.contentHash, version: 2 });
  });

  it('stores a delete as a tombstone', async () => {
    const mutation: Mutation = {
      mutationId: 6,
      speakerId: 'eve',
      op: 'delete',
      baseHash: (await sql`select content_hash from profiles where speaker_id = 'eve'`)[0]!.content_hash,
      contentHash: await tombstoneHash('eve'),
      updatedAt: 1_800_000_000_000,
      priority: 0,
    };
    const answer = await call<PushAck>(edge, 'POST', '/v1/push', {
      token: device.token,
      body: { mutations: [mutation] },
    });
    expect(answer.body.results[0]).toMatchObject({ status: 'applied' });
    const [row] =
      await sql`select deleted, length(embedding) as bytes, content_hash from profiles where speaker_id = 'eve'`;
    expect(row).toEqual({ deleted: true, bytes: 0, content_hash: mutation.contentHash });
  });

  it('refuses bad input and bad credentials without changing anything', async () => {
    const revoked = await createDevice(edge, 'tenant-a');
    const revoke = await call(edge, 'POST', `/v1/admin/devices/${revoked.deviceId}/revoke`, {
      token: ADMIN_TOKEN,
    });
    expect(revoke.status).toBe(200);
    const before = await tableState(sql);
    const good = { mutations: [await upsert(7, 'zed', 7)] };
    const unknown = `dev_ffffffffffffffff.${'A'.repeat(43)}`;
    const wrongSecret = `${device.deviceId}.${'B'.repeat(43)}`;
    const cases: Array<[string, CallOptions, number, string]> = [
      ['bad json', { token: device.token, raw: '{"mutations": [' }, 400, 'invalid_json'],
      [
        'bad batch',
        { token: device.token, body: { mutations: [await upsert(7, 'zed', 7), await upsert(9, 'zed', 9)] } },
        400,
        'invalid_batch',
      ],
      ...(await unstorable(device.token)),
      ['no token', { body: good }, 401, 'unauthorized'],
      ['unknown device', { token: unknown, body: good }, 401, 'unauthorized'],
      ['wrong secret', { token: wrongSecret, body: good }, 401, 'unauthorized'],
      ['revoked device', { token: revoked.token, body: good }, 403, 'device_revoked'],
    ];
    for (const [name, options, status, code] of cases) {
      const answer = await call(edge, 'POST', '/v1/push', options);
      expect({ name, status: answer.status, code: errorCode(answer) }).toEqual({ name, status, code });
    }
    // Through miniflare's dispatcher: over a real socket workerd answers 413 before reading the
    // body and resets the connection, which fetch reports as ECONNRESET while still sending.
    const oversize = await edge.mf.dispatchFetch(`${edge.url}/v1/push`, {
      method: 'POST',
      headers: { authorization: `Bearer ${device.token}` },
      body: 'x'.repeat(8 * 1024 * 1024 + 1),
    });
    expect(oversize.status).toBe(413);
    expect(((await oversize.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
    expect(await tableState(sql)).toEqual(before);
  });
});

/**
 * Correctly hashed upserts carrying values PostgreSQL would refuse (or silently alter), and JSON
 * deep enough to overflow a recursive validator: the Worker refuses each, never a 500 from below.
 */
async function unstorable(token: string): Promise<Array<[string, CallOptions, number, string]>> {
  const contents: Array<[string, Parameters<typeof upsert>[3]]> = [
    ['NUL in a name', { name: 'a\u0000b' }],
    ['a lone surrogate in a name', { name: 'a\ud800b' }],
    ['NUL in a feature value', { acousticFeatures: { k: 'a\u0000b' } }],
    ['NUL in a feature key', { acousticFeatures: { 'a\u0000': 1 } }],
    ['a __proto__ feature key', { acousticFeatures: JSON.parse('{"__proto__":{"x":1}}') }],
    ['features over 64 KiB', { acousticFeatures: { blob: 'x'.repeat(70_000) } }],
    ['totalSamples over int32', { totalSamples: 2 ** 31 }],
  ];
  const cases = await Promise.all(
    contents.map(async ([name, content]): Promise<[string, CallOptions, number, string]> => {
      const mutations = [await upsert(7, 'zed', 7, content)];
      return [name, { token, raw: JSON.stringify({ mutations }) }, 400, 'invalid_batch'];
    }),
  );
  // Written as text: neither JSON.stringify nor the content hash would survive this depth here.
  const deep = JSON.stringify({ mutations: [await upsert(7, 'zed', 7, { acousticFeatures: 'DEEP' })] });
  const depth = 100_000;
  const raw = deep.replace('"DEEP"', `${'['.repeat(depth)}1${']'.repeat(depth)}`);
  cases.push(['features nested 100,000 deep', { token, raw }, 400, 'invalid_batch']);
  return cases;
}

describe('pull', () => {
  it('returns the changes after a cursor, one per speaker, with current content', async () => {
    const reader = await createDevice(edge, 'tenant-a');
    const all = await call<PullResponse>(edge, 'GET', '/v1/pull?cursor=0&limit=500', { token: reader.token });
    expect(all.status).toBe(200);
    expect(all.body.hasMore).toBe(false);
    expect(all.body.changes.map((c) => c.speakerId).sort()).toEqual(['ada', 'bob', 'cy', 'eve']);
    const ada = all.body.changes.find((c) => c.speakerId === 'ada')!;
    const [row] = await sql<{ embedding: Buffer; content_hash: string }[]>`
      select embedding, content_hash from profiles where tenant_id = 'tenant-a' and speaker_id = 'ada'`;
    expect(ada).toMatchObject({ op: 'upsert', contentHash: row!.content_hash, version: 2 });
    expect(ada.profile!.embeddingB64).toBe(row!.embedding.toString('base64'));
    expect(ada.profile!.acousticFeatures).toEqual({ pitchHz: 121, tags: ['a'] });
    expect(all.body.changes.find((c) => c.speakerId === 'eve')).toMatchObject({ op: 'delete' });
    expect(all.body.changes.find((c) => c.speakerId === 'eve')?.profile).toBeUndefined();

    const page = await call<PullResponse>(edge, 'GET', '/v1/pull?cursor=0&limit=2', { token: reader.token });
    expect(page.body.hasMore).toBe(true);
    const rest = await call<PullResponse>(edge, 'GET', `/v1/pull?cursor=${page.body.nextCursor}`, {
      token: reader.token,
    });
    expect(rest.body.changes.every((c) => c.cursor > page.body.nextCursor)).toBe(true);
    const end = await call<PullResponse>(edge, 'GET', `/v1/pull?cursor=${all.body.nextCursor}`, {
      token: reader.token,
    });
    expect(end.body).toEqual({ changes: [], nextCursor: all.body.nextCursor, hasMore: false });
  });

  it('answers a reset for a malformed cursor or one ahead of the log', async () => {
    const reader = await createDevice(edge, 'tenant-a');
    const reset = { reset: true, changes: [], nextCursor: 0, hasMore: true };
    for (const cursor of ['abc', '-1', '1.5', '999999999']) {
      const answer = await call(edge, 'GET', `/v1/pull?cursor=${cursor}`, { token: reader.token });
      expect({ cursor, status: answer.status, body: answer.body }).toEqual({
        cursor,
        status: 200,
        body: reset,
      });
    }
    expect((await call(edge, 'GET', '/v1/pull?limit=501', { token: reader.token })).status).toBe(400);
    expect((await call(edge, 'GET', '/v1/pull')).status).toBe(401);
  });

  it('keeps tenants apart', async () => {
    const stranger = await createDevice(edge, 'tenant-b');
    const answer = await call<PullResponse>(edge, 'GET', '/v1/pull', { token: stranger.token });
    expect(answer.body.changes).toEqual([]);
    const pushed = await call<PushAck>(edge, 'POST', '/v1/push', {
      token: stranger.token,
      body: { mutations: [await upsert(1, 'ada', 99)] },
    });
    expect(pushed.body.results[0]).toMatchObject({ status: 'applied' });
    const rows = await sql`select tenant_id from profiles where speaker_id = 'ada' order by tenant_id`;
    expect(rows.map((r) => r.tenant_id)).toEqual(['tenant-a', 'tenant-b']);
  });
});
