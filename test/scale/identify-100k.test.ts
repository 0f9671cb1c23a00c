// Issue 15: an agent holding 100,000 speakers identifies through the quantised index with exactly the
// answers of the f32 scan, and keeps answering other requests while identification scans run.
import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../../apps/agent/src/agent.ts';
import { createApp, listen } from '../../apps/agent/src/api/index.ts';
import { resolveConfig } from '../../apps/agent/src/config/index.ts';
import { createLogger } from '../../apps/agent/src/logger/index.ts';
import { createScoringBackend, EmbeddingIndex } from '../../apps/agent/src/scoring/index.ts';
import { randomEmbeddings, seededRandom } from '../../apps/agent/src/scoring/random-embeddings.ts';
import { type SeededProfiles, seedProfiles } from '../../apps/agent/src/testing/seed-profiles.ts';
import { type AgentHandle, freePort, startAgent, type TempDir, tempDir } from '../harness/index.ts';

const COUNT = 100_000;
const DIM = 192;

interface Identification {
  accepted: boolean;
  matches: Array<{ speakerId: string; name: string; score: number }>;
}

describe('identify with 100,000 enrolled speakers', () => {
  let dir: TempDir;
  let agent: AgentHandle;
  let seeded: SeededProfiles;
  let exact: EmbeddingIndex;

  const identify = async (embedding: Float32Array, k: number): Promise<Identification> => {
    const response = await agent.fetch('/v1/identify', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ embedding: Array.from(embedding), k }),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as Identification;
  };

  beforeAll(async () => {
    dir = tempDir('identify-100k');
    // The database is written directly (fast); the agent preloads it and answers over real HTTP.
    const db = join(dir.path, 'agent.db');
    seeded = await seedProfiles(db, COUNT, DIM, 15);
    agent = await startAgent({ db, readyTimeoutMs: 240_000 });
    // The reference: the exact f32 scan over the same stored embeddings.
    exact = new EmbeddingIndex({
      backend: await createScoringBackend('wasm-simd'),
      dim: DIM,
      quantised: false,
    });
    for (const [row, id] of seeded.speakerIds.entries()) {
      exact.upsert(id, seeded.embeddings.subarray(row * DIM, (row + 1) * DIM));
    }
  }, 600_000);

  afterAll(async () => {
    await agent?.destroy();
    await dir?.remove();
  });

  it('answers POST /v1/identify with the same speakers and the same scores as the exact f32 scan', async () => {
    const random = seededRandom(77);
    const noise = randomEmbeddings(60, DIM, 78);
    const probes = Array.from({ length: 60 }, (_, i) => {
      // Two in three are noisy copies of an enrolled speaker; the rest random (scores near the crowd's).
      if (i % 3 === 2) return noise.subarray(i * DIM, (i + 1) * DIM);
      const row = Math.floor(random() * COUNT);
      const amount = 0.5 + 3 * random();
      return seeded.embeddings
        .subarray(row * DIM, (row + 1) * DIM)
        .map((v, j) => v + amount * noise[i * DIM + j]!);
    });
    for (const probe of probes) {
      const want = exact.search(probe, 5);
      const got = await identify(probe, 5);
      expect(got.matches.map(({ speakerId, score }) => ({ speakerId, score }))).toEqual(want);
      // Names come from the index's compact speaker table, no longer from a Map of objects.
      for (const match of got.matches) {
        expect(match.name).toBe(`Speaker ${seeded.speakerIds.indexOf(match.speakerId)}`);
      }
    }
  });

  it('answers POST /v1/verify with exactly the f32 score, the row read back from the row file', async () => {
    const random = seededRandom(5);
    for (let i = 0; i < 20; i++) {
      const row = Math.floor(random() * COUNT);
      const speakerId = seeded.speakerIds[row]!;
      const probe = seeded.embeddings
        .subarray(row * DIM, (row + 1) * DIM)
        .map((v) => v + 0.5 * (random() - 0.5));
      const response = await agent.fetch('/v1/verify', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ speakerId, embedding: Array.from(probe) }),
      });
      expect(response.status).toBe(200);
      const { rawScore } = (await response.json()) as { rawScore: number };
      // The same float32 the exact index computes; JSON carries it as the same double.
      expect(rawScore).toBe(exact.score(speakerId, probe));
    }
  });

  it('keeps the f32 rows of its large index in a file beside its database, not in the temp dir', () => {
    // The row file is unlinked once open: it shows only among the agent's open descriptors.
    const fds = `/proc/${agent.pid}/fd`;
    const open = readdirSync(fds).map((fd) => {
      try {
        return readlinkSync(join(fds, fd));
      } catch {
        return '';
      }
    });
    const rowFiles = open.filter((target) => /voicesync-rows-.*\.f32/.test(target));
    expect(rowFiles).toHaveLength(1);
    expect(rowFiles[0]?.startsWith(`${dir.path}/`)).toBe(true);
  });

  it('keeps answering HTTP while identification scans run on worker threads', async () => {
    // In this process, so the test can tell whether a scan had finished when /health was answered.
    const port = await freePort();
    const local = await createAgent(
      resolveConfig({ db: join(dir.path, 'agent.db'), port, logLevel: 'silent' }),
      {
        logger: createLogger('silent'),
      },
    );
    const servers = await listen(createApp(local), local);
    try {
      const probes = randomEmbeddings(40, DIM, 91);
      let settled = 0;
      // Started before the request: a scan on this thread would finish before /health is even sent.
      const scans = Array.from({ length: 40 }, (_, i) =>
        local.auth.identifyAsync(probes.subarray(i * DIM, (i + 1) * DIM), 1).then(() => settled++),
      );
      const response = await fetch(`http://127.0.0.1:${port}/health`);
      const settledWhenAnswered = settled;
      expect(response.status).toBe(200);
      await Promise.all(scans);
      expect(settledWhenAnswered).toBeLessThan(40);
    } finally {
      await servers.close();
      await local.close();
    }
  });
});
