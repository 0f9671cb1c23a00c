// Issue 2 end to end: agent -> edge Worker in workerd -> a real PostgreSQL the harness controls.
import { randomBytes } from 'node:crypto';
import { float32ToBytes, profileContentHash } from '@voicesync/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, startEdge, startPostgres } from '../harness/index.ts';
import { sampleConnections } from '../harness/index.ts';
import {
  agentStatus,
  type Device,
  eventually,
  json,
  pg,
  provisionDevice,
  putProfile,
  randomVector,
  type Sql,
} from '../support/index.ts';
import { push, upsertMutation } from '../support/stack.ts';

const ADMIN_TOKEN = randomBytes(18).toString('base64url');

describe('foundation: agent -> edge -> PostgreSQL', () => {
  let postgresServer: Awaited<ReturnType<typeof startPostgres>>;
  let edge: Awaited<ReturnType<typeof startEdge>>;
  let sql: Sql;
  let device: Device;

  beforeAll(async () => {
    postgresServer = await startPostgres();
    sql = pg(postgresServer.url);
    edge = await startEdge({ vars: { DATABASE_URL: postgresServer.url, ADMIN_TOKEN, PG_MAX: '3' } });
    device = await provisionDevice(edge.url, ADMIN_TOKEN, 'tenant-a');
  });

  afterAll(async () => {
    await sql?.end({ timeout: 1 });
    await edge?.stop();
    await postgresServer?.destroy();
  });

  it('200 profiles reach PostgreSQL byte-identical, with the same hashes, and the outbox empties', async () => {
    const agent = await startAgent({ edge: edge.url, deviceId: device.deviceId, token: device.token });
    try {
      const sent = new Map<string, { embedding: number[]; features: unknown; hash: string }>();
      for (let i = 0; i < 200; i++) {
        const embedding = randomVector(i + 1);
        const features = { pitchHz: 110 + i / 7, formants: [500.5, 1500.25, 2500], note: `n${i}` };
        const { status, body } = await json<{ contentHash: string; version: number }>(
          putProfile(agent.url, `spk-${i}`, {
            name: `Speaker ${i}`,
            embedding,
            acousticFeatures: features,
            totalSamples: 3,
          }),
        );
        expect(status).toBe(200);
        expect(body.version).toBe(1);
        sent.set(`spk-${i}`, { embedding, features, hash: body.contentHash });
      }
      await agent.fetch(`/v1/sync`, { method: 'POST' });
      await eventually(async () => (await agentStatus(agent.url)).outbox.pending === 0, 60_000);
      const rows = await sql<
        {
          speaker_id: string;
          embedding: Uint8Array;
          acoustic_features: unknown;
          content_hash: string;
          name: string;
          total_samples: number;
        }[]
      >`
        SELECT speaker_id, embedding, acoustic_features, content_hash, name, total_samples FROM profiles WHERE tenant_id = 'tenant-a'`;
      expect(rows).toHaveLength(200);
      for (const row of rows) {
        const expected = sent.get(row.speaker_id);
        expect(expected).toBeDefined();
        if (!expected) continue;
        expect(Buffer.from(row.embedding).equals(Buffer.from(float32ToBytes(expected.embedding)))).toBe(true);
        expect(row.acoustic_features).toEqual(expected.features);
        expect(row.content_hash).toBe(expected.hash);
        const recomputed = await profileContentHash({
          speakerId: row.speaker_id,
          name: row.name,
          embedding: new Float32Array(new Uint8Array(row.embedding).buffer.slice(0)),
          acousticFeatures: row.acoustic_features,
          totalSamples: row.total_samples,
        });
        expect(recomputed).toBe(expected.hash);
      }
      const status = await agentStatus(agent.url);
      expect(status.synced).toBeGreaterThanOrEqual(200);
    } finally {
      await agent.stop();
    }
  });

  it('replaying an acknowledged batch changes nothing upstream', async () => {
    const replayDevice = await provisionDevice(edge.url, ADMIN_TOKEN, 'tenant-replay');
    const mutations = await Promise.all([1, 2, 3].map((n) => upsertMutation(`r${n}`, n, 1000 + n, 1000 + n)));
    const replay = () =>
      json<{ lastMutationId: number; results: Array<{ status: string }> }>(
        push(edge.url, replayDevice.token, { mutations }),
      );
    const first = await replay();
    expect(first.status).toBe(200);
    expect(first.body.results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied']);
    const snapshot = async () => ({
      profiles:
        await sql`SELECT speaker_id, content_hash, version, updated_at FROM profiles WHERE tenant_id = 'tenant-replay' ORDER BY speaker_id`,
      changes: await sql`SELECT count(*)::int AS n FROM changes WHERE tenant_id = 'tenant-replay'`,
      device: await sql`SELECT last_mutation_id FROM devices WHERE id = ${replayDevice.deviceId}`,
    });
    const before = await snapshot();
    const again = await replay();
    expect(again.status).toBe(200);
    expect(again.body.lastMutationId).toBe(3);
    expect(again.body.results.map((r) => r.status)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect(await snapshot()).toEqual(before);
  });

  it('a SIGKILLed agent loses no acknowledged write and still delivers it', async () => {
    const agent = await startAgent({
      edge: 'http://127.0.0.1:9',
      deviceId: device.deviceId,
      token: device.token,
    });
    const hashes = new Map<string, string>();
    for (let i = 0; i < 25; i++) {
      const { status, body } = await json<{ contentHash: string }>(
        putProfile(agent.url, `kill-${i}`, {
          name: `K${i}`,
          embedding: randomVector(5000 + i),
          priority: 'CRITICAL',
        }),
      );
      expect(status).toBe(200);
      hashes.set(`kill-${i}`, body.contentHash);
    }
    agent.kill('SIGKILL');
    await agent.exited;
    const restarted = await startAgent({
      db: agent.dbPath,
      edge: edge.url,
      deviceId: device.deviceId,
      token: device.token,
    });
    try {
      for (const [id, hash] of hashes) {
        const { status, body } = await json<{ contentHash: string }>(restarted.fetch(`/v1/profiles/${id}`));
        expect(status).toBe(200);
        expect(body.contentHash).toBe(hash);
      }
      await eventually(async () => (await agentStatus(restarted.url)).outbox.pending === 0, 60_000);
      const rows = await sql<{ speaker_id: string; content_hash: string }[]>`
        SELECT speaker_id, content_hash FROM profiles WHERE tenant_id = 'tenant-a' AND speaker_id LIKE 'kill-%'`;
      expect(new Map(rows.map((r) => [r.speaker_id, r.content_hash]))).toEqual(hashes);
    } finally {
      await restarted.stop();
    }
  });

  it('200 concurrent pushes never make the relay hold more than PG_MAX connections', async () => {
    const devices = await Promise.all(
      Array.from({ length: 20 }, (_, i) => provisionDevice(edge.url, ADMIN_TOKEN, `storm-${i % 4}`)),
    );
    const sampler = sampleConnections(postgresServer.url, 20, { applicationName: 'voicesync-relay' });
    const results = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const d = devices[i % devices.length]!;
        const mutation = await upsertMutation(`c-${i}`, Math.floor(i / devices.length) + 1, 9000 + i, i);
        const response = await push(edge.url, d.token, { mutations: [mutation] });
        return response.status;
      }),
    );
    const { max, samples } = await sampler.stop();
    expect(samples).toBeGreaterThan(5);
    expect(max).toBeGreaterThan(0);
    expect(max).toBeLessThanOrEqual(3);
    // Concurrent pushes of one device may arrive out of order (409 gap); none may fail otherwise.
    expect(results.every((s) => s === 200 || s === 409)).toBe(true);
  });

  it('bad input gets the error shape and writes nothing, on both APIs', async () => {
    const agent = await startAgent({ edge: edge.url, deviceId: device.deviceId, token: device.token });
    try {
      const good = { name: 'Bad', embedding: randomVector(77) };
      const cases: Array<[string, RequestInit]> = [
        ['wrong dimension', { body: JSON.stringify({ ...good, embedding: [0.1, 0.2] }) }],
        [
          'NaN as a string',
          { body: JSON.stringify({ ...good, embedding: [...randomVector(1).slice(1), 'NaN'] }) },
        ],
        [
          'overflow to Infinity',
          { body: JSON.stringify({ ...good, embedding: [...randomVector(1).slice(1), 1e39] }) },
        ],
        ['missing name', { body: JSON.stringify({ embedding: good.embedding }) }],
        ['malformed JSON', { body: '{"name": "x", "embedding": [1,2' }],
        ['unknown priority', { body: JSON.stringify({ ...good, priority: 'URGENT' }) }],
        ['unknown field', { body: JSON.stringify({ ...good, tenantId: 'tenant-b' }) }],
      ];
      for (const [label, init] of cases) {
        const response = await agent.fetch(`/v1/profiles/bad-input`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          ...init,
        });
        const body = (await response.json()) as { error?: { code?: string; message?: string } };
        expect(response.status, label).toBe(400);
        expect(typeof body.error?.code, label).toBe('string');
        expect(typeof body.error?.message, label).toBe('string');
      }
      expect((await agent.fetch(`/v1/profiles/bad-input`)).status).toBe(404);
      expect((await agentStatus(agent.url)).outbox.pending).toBe(0);

      const pushAs = (token: string | undefined, body: string) => push(edge.url, token, body);
      const before =
        await sql`SELECT (SELECT count(*)::int FROM profiles) AS p, (SELECT count(*)::int FROM changes) AS c, (SELECT sum(last_mutation_id)::int FROM devices) AS m`;
      const valid = JSON.stringify({
        mutations: [
          {
            mutationId: 999,
            speakerId: 'x',
            op: 'delete',
            baseHash: null,
            contentHash: 'a'.repeat(64),
            updatedAt: 1,
            priority: 2,
          },
        ],
      });
      const edgeCases: Array<[string, Response, number[]]> = [
        ['malformed JSON', await pushAs(device.token, '{"mutations": ['), [400]],
        [
          'oversize batch',
          await pushAs(
            device.token,
            JSON.stringify({ mutations: Array.from({ length: 101 }, (_, i) => ({ mutationId: i + 1 })) }),
          ),
          [400, 413],
        ],
        ['no credentials', await pushAs(undefined, valid), [401]],
        [
          'forged token',
          await pushAs(`${device.deviceId}.${randomBytes(32).toString('base64url')}`, valid),
          [401],
        ],
        [
          'unknown device',
          await pushAs(`dev_0000000000000000.${randomBytes(32).toString('base64url')}`, valid),
          [401],
        ],
      ];
      for (const [label, response, statuses] of edgeCases) {
        expect(statuses, label).toContain(response.status);
        const body = (await response.json()) as { error?: { code?: string; message?: string } };
        expect(typeof body.error?.code, label).toBe('string');
        expect(typeof body.error?.message, label).toBe('string');
      }
      const after =
        await sql`SELECT (SELECT count(*)::int FROM profiles) AS p, (SELECT count(*)::int FROM changes) AS c, (SELECT sum(last_mutation_id)::int FROM devices) AS m`;
      expect(after).toEqual(before);
    } finally {
      await agent.stop();
    }
  });
});
