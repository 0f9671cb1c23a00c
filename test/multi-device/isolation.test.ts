// Issue 5, isolation: a device reads and writes only its own tenant; bad credentials get 401/403 and change nothing.
import { randomBytes } from 'node:crypto';
import { bytesToBase64, float32ToBytes, profileContentHash, tombstoneHash } from '@voicesync/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Device, eventually, randomVector } from '../support/index.ts';
import { type Backend, type FleetAgent, startBackend, startFleetAgent } from './fleet.ts';
import { postgresHashes } from './state.ts';

async function upsert(
  mutationId: number,
  speakerId: string,
  seed: number,
  extra: Record<string, unknown> = {},
) {
  const embedding = randomVector(seed);
  const content = { speakerId, name: `intruder ${seed}`, embedding, acousticFeatures: null, totalSamples: 1 };
  return {
    mutationId,
    speakerId,
    op: 'upsert',
    baseHash: null,
    contentHash: await profileContentHash(content),
    updatedAt: Date.now() + 60_000,
    priority: 0,
    profile: {
      name: content.name,
      embeddingB64: bytesToBase64(float32ToBytes(embedding)),
      acousticFeatures: null,
      totalSamples: 1,
    },
    ...extra,
  };
}

describe('tenant isolation and credentials', () => {
  let backend: Backend;
  let alice: FleetAgent;
  let deviceB: Device;
  let revoked: Device;
  const tokens: Record<string, string | undefined> = {};

  const edge = (method: string, path: string, token: string | undefined, body?: unknown) =>
    fetch(`${backend.edge.url}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  /** Every row and counter a refused request could have touched. */
  const snapshot = async () => ({
    profiles:
      await backend.sql`select tenant_id, speaker_id, content_hash, version, updated_at, updated_by, deleted from profiles order by 1, 2`,
    changes: await backend.sql`select id, tenant_id, speaker_id, content_hash from changes order by id`,
    conflicts: await backend.sql`select count(*)::int as n from conflicts`,
    devices: await backend.sql`select id, last_mutation_id, revoked_at from devices order by id`,
  });

  beforeAll(async () => {
    backend = await startBackend();
    const deviceA = await backend.provision('iso-a');
    [deviceB, revoked] = await Promise.all([backend.provision('iso-b'), backend.provision('iso-a')]);
    alice = await startFleetAgent(backend, 'a', deviceA);
    for (const [i, id] of ['alice', 'bob'].entries()) {
      const put = await alice.call('PUT', `/v1/profiles/${id}`, {
        name: id,
        embedding: randomVector(i + 1),
        priority: 'CRITICAL',
      });
      expect(put.status).toBe(200);
    }
    await eventually(async () => (await postgresHashes(backend.sql, 'iso-a')).size === 2);
    expect(
      (await edge('POST', `/v1/admin/devices/${revoked.deviceId}/revoke`, backend.adminToken)).status,
    ).toBe(200);
    Object.assign(tokens, {
      missing: undefined,
      malformed: 'not-a-device-token',
      forged: `${deviceA.deviceId}.${randomBytes(32).toString('base64url')}`,
      'unknown device': `dev_${randomBytes(8).toString('hex')}.${randomBytes(32).toString('base64url')}`,
      'admin token': backend.adminToken,
      revoked: revoked.token,
    });
  });

  afterAll(async () => {
    await alice?.close();
    await backend?.destroy();
  });

  it('a device of another tenant writes only its own namespace, whatever ids it names', async () => {
    const before = await postgresHashes(backend.sql, 'iso-a');
    const tombstone = {
      mutationId: 3,
      speakerId: 'bob',
      op: 'delete',
      baseHash: before.get('bob'),
      contentHash: await tombstoneHash('bob'),
      updatedAt: Date.now() + 60_000,
      priority: 0,
    };
    const mutations = [
      await upsert(1, 'alice', 50),
      await upsert(2, 'alice', 51, { tenantId: 'iso-a' }),
      tombstone,
    ];
    const push = await edge('POST', '/v1/push', deviceB.token, { mutations });
    expect(push.status).toBe(200);
    expect(await postgresHashes(backend.sql, 'iso-a')).toEqual(before);
    const own =
      await backend.sql`select speaker_id, deleted from profiles where tenant_id = 'iso-b' order by 1`;
    expect(own.map((r) => `${r.speaker_id}:${r.deleted}`)).toEqual(['alice:false', 'bob:true']);
  });

  it("a device of another tenant pulls only its own tenant's changes", async () => {
    const response = await edge('GET', '/v1/pull?cursor=0&limit=500', deviceB.token);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { changes: Array<{ speakerId: string; contentHash: string }> };
    const ownHashes = await backend.sql<
      { content_hash: string }[]
    >`select content_hash from changes where tenant_id = 'iso-b'`;
    const foreign = await postgresHashes(backend.sql, 'iso-a');
    expect(body.changes.length).toBeGreaterThan(0);
    for (const change of body.changes) {
      expect(ownHashes.map((r) => r.content_hash)).toContain(change.contentHash);
      expect([...foreign.values()]).not.toContain(change.contentHash);
    }
  });

  it('the other tenant agent never sees, identifies or verifies these speakers', async () => {
    const stranger = await startFleetAgent(backend, 'b', await backend.provision('iso-b'));
    try {
      await eventually(async () => (await stranger.agent.puller?.pull())?.cursor !== undefined);
      const { body } = await stranger.call<{ matches: Array<{ speakerId: string; score: number }> }>(
        'POST',
        '/v1/identify',
        {
          embedding: randomVector(1),
        },
      );
      expect(body.matches.every((m) => m.score < 0.99)).toBe(true);
      expect(
        (await stranger.call('POST', '/v1/verify', { speakerId: 'bob', embedding: randomVector(2) })).status,
      ).toBe(404);
    } finally {
      await stranger.close();
    }
  });

  it('missing, malformed, forged, unknown, admin and revoked credentials get 401/403 and change nothing', async () => {
    const before = await snapshot();
    for (const [label, token] of Object.entries(tokens)) {
      const expected = label === 'revoked' ? [401, 403] : [401];
      const push = await edge('POST', '/v1/push', token, { mutations: [await upsert(1, 'alice', 99)] });
      expect(expected, `push with ${label} credentials`).toContain(push.status);
      const pull = await edge('GET', '/v1/pull?cursor=0', token);
      expect(expected, `pull with ${label} credentials`).toContain(pull.status);
      const body = (await pull.json()) as { changes?: unknown; error?: { code: string } };
      expect(body.changes).toBeUndefined();
      expect(typeof body.error?.code).toBe('string');
    }
    expect(await snapshot()).toEqual(before);
  });

  it('a device token does not open the admin API', async () => {
    const before = await snapshot();
    expect((await edge('POST', '/v1/admin/devices', deviceB.token, { tenantId: 'iso-a' })).status).toBe(401);
    expect((await edge('POST', `/v1/admin/devices/${deviceB.deviceId}/revoke`, deviceB.token)).status).toBe(
      401,
    );
    expect((await edge('GET', '/v1/admin/devices?tenantId=iso-a', deviceB.token)).status).toBe(401);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses the notification socket to the same credentials', async () => {
    for (const [label, token] of Object.entries(tokens)) {
      const status = await new Promise<number>((resolve) => {
        const headers = token === undefined ? {} : { authorization: `Bearer ${token}` };
        const socket = new WebSocket(`${backend.edge.url.replace('http', 'ws')}/v1/notify`, { headers });
        socket.on('unexpected-response', (_request, response) => {
          resolve(response.statusCode ?? 0);
          socket.terminate();
        });
        socket.on('open', () => {
          resolve(101);
          socket.terminate();
        });
        socket.on('error', () => {});
      });
      expect(label === 'revoked' ? [401, 403] : [401], `notify with ${label} credentials`).toContain(status);
    }
  });
});
