// Issue 3: verify/identify answer from memory with the edge unreachable and make no network call.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Socket } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Agent, createAgent } from '../../apps/agent/src/agent.ts';
import { createApp } from '../../apps/agent/src/api/index.ts';
import { resolveConfig } from '../../apps/agent/src/config/index.ts';
import { createLogger } from '../../apps/agent/src/logger/index.ts';
import { edgeFetch } from '../../apps/agent/src/sync/transport/http.ts';
import { apiKeyHeader } from '../support/in-process-agent.ts';
import { randomVector } from '../support/index.ts';

function near(base: number[], seed: number, noise = 0.15): number[] {
  const jitter = randomVector(seed);
  return base.map((v, i) => v + noise * (jitter[i] ?? 0));
}

describe('authentication without the network', () => {
  let dir: string;
  let fetchCalls = 0;
  let agent: Agent;
  let app: ReturnType<typeof createApp>;
  const speakers = Array.from({ length: 50 }, (_, i) => ({
    id: `spk-${i}`,
    name: `Speaker ${i}`,
    vector: randomVector(100 + i),
  }));

  const open = async () => {
    const config = resolveConfig({
      db: join(dir, 'agent.db'),
      // Nothing listens on port 9: every sync attempt fails, the breaker opens.
      edgeUrl: 'http://127.0.0.1:9',
      token: 'dev_x.secret',
      syncIntervalMs: 50,
      backoffInitialMs: 10,
      backoffMaxMs: 50,
      breaker: { openMs: 100 },
    });
    const instance = await createAgent(config, {
      fetch: async (input, init) => {
        fetchCalls += 1;
        return edgeFetch(input, init);
      },
      logger: createLogger('silent'),
    });
    return { instance, app: createApp(instance) };
  };
  const post = (path: string, body: unknown) =>
    app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...apiKeyHeader(agent) },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'voicesync-auth-'));
    ({ instance: agent, app } = await open());
    for (const s of speakers) {
      const response = await post(`/v1/profiles/${s.id}/samples`, {
        name: s.name,
        embeddings: [near(s.vector, 1), near(s.vector, 2)],
      });
      expect(response.status).toBe(200);
    }
  });
  afterAll(async () => {
    await agent.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('10,000 verifications through the API make no network call, with the edge down', async () => {
    // The edge is unreachable: background sync has tried it (so the instrumented fetch does count).
    await vi.waitFor(() => expect(agent.stats.edgeAvailable).toBe(false), { timeout: 10_000 });
    expect(fetchCalls).toBeGreaterThan(0);
    // Silence every background caller (sync, notifications, the relay health check), so that any
    // further call could only come from authentication.
    await agent.pusher?.stop();
    await agent.puller?.stop();
    await agent.notifier?.stop();
    agent.metrics.stop();
    const before = fetchCalls;
    // Any socket at all (fetch, a database driver, DNS over TCP) would go through Socket#connect.
    const connect = vi.spyOn(Socket.prototype, 'connect');
    let accepted = 0;
    for (let i = 0; i < 10_000; i++) {
      const s = speakers[i % speakers.length]!;
      const response = await post('/v1/verify', { speakerId: s.id, embedding: near(s.vector, 10_000 + i) });
      if (((await response.json()) as { accepted: boolean }).accepted) accepted += 1;
    }
    expect(accepted).toBe(10_000);
    // The other answers too: an unknown speaker, a rejection, an identify with no match.
    const s0 = speakers[0]!;
    const opposite = s0.vector.map((value) => -value);
    expect((await post('/v1/verify', { speakerId: 'never-enrolled', embedding: s0.vector })).status).toBe(
      404,
    );
    const rejected = await post('/v1/verify', { speakerId: s0.id, embedding: opposite });
    expect(((await rejected.json()) as { accepted: boolean }).accepted).toBe(false);
    const unmatched = await post('/v1/identify', { embedding: opposite });
    expect(((await unmatched.json()) as { accepted: boolean }).accepted).toBe(false);
    // Room for anything fire-and-forget to reach the network before the counts are read.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fetchCalls).toBe(before);
    expect(connect).not.toHaveBeenCalled();
    connect.mockRestore();
    expect(agent.stats.edgeAvailable).toBe(false);
  });

  it('identify puts the enrolled speaker first and rejects a far-away embedding', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 49 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        async (i, seed) => {
          const s = speakers[i]!;
          const response = await post('/v1/identify', { embedding: near(s.vector, seed), k: 3 });
          const body = (await response.json()) as {
            accepted: boolean;
            matches: Array<{ speakerId: string; name: string }>;
          };
          expect(body.accepted).toBe(true);
          expect(body.matches[0]).toMatchObject({ speakerId: s.id, name: s.name });
        },
      ),
      { numRuns: 100 },
    );
    const far = await post('/v1/identify', { embedding: randomVector(987_654) });
    expect(((await far.json()) as { accepted: boolean }).accepted).toBe(false);
    const wrong = await post('/v1/verify', { speakerId: 'spk-1', embedding: speakers[2]!.vector });
    expect(((await wrong.json()) as { accepted: boolean }).accepted).toBe(false);
  });

  it('answers the same after a delete and after a restart (preload)', async () => {
    const probes = Array.from({ length: 20 }, (_, i) => near(speakers[(i * 7) % 50]!.vector, 50_000 + i));
    const answer = async () =>
      Promise.all(
        probes.map(
          async (p) => (await (await post('/v1/identify', { embedding: p, k: 3 })).json()) as unknown,
        ),
      );
    expect(
      (await app.request('/v1/profiles/spk-7', { method: 'DELETE', headers: apiKeyHeader(agent) })).status,
    ).toBe(200);
    const deletedProbe = await post('/v1/verify', { speakerId: 'spk-7', embedding: speakers[7]!.vector });
    expect(deletedProbe.status).toBe(404);
    const before = await answer();
    expect(JSON.stringify(before)).not.toContain('"spk-7"');
    await agent.close();
    ({ instance: agent, app } = await open());
    expect(agent.auth.index.size).toBe(49);
    expect(await answer()).toEqual(before);
  });

  it('rejects malformed queries with the error shape', async () => {
    for (const body of [
      { speakerId: 'spk-1', embedding: [1, 2, 3] },
      { speakerId: 'spk-1', embedding: new Array(192).fill(0) },
      { speakerId: 'spk-1' },
      { speakerId: '../etc', embedding: speakers[1]!.vector },
    ]) {
      const response = await post('/v1/verify', body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toMatch(/\w+/);
    }
    const huge = await post('/v1/identify', { embedding: new Array(700_000).fill(0.123456789) });
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
  });
});
