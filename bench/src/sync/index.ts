// End-to-end sync throughput: a loaded outbox drained through the Worker in workerd into PostgreSQL,
// beside a direct postgres.js bulk upsert of the same rows into the same server, in one run.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { float32ToBytes, Priority, profileContentHash } from '@voicesync/core';
import postgres from 'postgres';
import { createAgent } from '../../../apps/agent/src/agent.ts';
import { resolveConfig } from '../../../apps/agent/src/config/index.ts';
import { createLogger } from '../../../apps/agent/src/logger/index.ts';
import { sampleConnections, startEdge, startPostgres } from '../../../test/harness/index.ts';
import { provisionDevice, randomVector } from '../../../test/support/index.ts';
import { table } from '../stats/index.ts';

const N = Number(process.env.BENCH_SYNC_PROFILES ?? 5000);

async function loadOutbox(db: string, from: number, to: number, priority: Priority): Promise<void> {
  const agent = await createAgent(resolveConfig({ db, logLevel: 'silent' }), {
    logger: createLogger('silent'),
  });
  for (let i = from; i < to; i++) {
    await agent.profiles.put(
      `p${i}`,
      { name: `P${i}`, embedding: Float32Array.from(randomVector(i + 1)) },
      priority,
    );
  }
  await agent.close();
}

async function drain(db: string, edgeUrl: string, token: string): Promise<void> {
  const config = resolveConfig({ db, edgeUrl, token, syncIntervalMs: 60_000, logLevel: 'silent' });
  const agent = await createAgent(config, { logger: createLogger('silent'), notify: false });
  for (;;) {
    const counts = await agent.outbox.counts();
    if (counts.pending === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await agent.close();
}

/** Loads `agents` outboxes with N profiles in all, then times draining them at once. */
async function timeSync(dir: string, edgeUrl: string, tokens: string[], priority: Priority): Promise<number> {
  const share = Math.ceil(N / tokens.length);
  const dbs = tokens.map((_, a) => join(dir, `agent-${tokens.length}-${priority}-${a}.db`));
  await Promise.all(dbs.map((db, a) => loadOutbox(db, a * share, Math.min(N, (a + 1) * share), priority)));
  const started = performance.now();
  await Promise.all(dbs.map((db, a) => drain(db, edgeUrl, tokens[a] ?? '')));
  return (performance.now() - started) / 1000;
}

/** The same rows upserted by postgres.js straight into PostgreSQL, 50 per statement, on `connections`. */
async function direct(url: string, connections: number): Promise<number> {
  const sql = postgres(url, { max: connections, onnotice: () => {} });
  const tenant = `direct-${connections}`;
  await sql`INSERT INTO tenants (id) VALUES (${tenant}) ON CONFLICT DO NOTHING`;
  const rows = await Promise.all(
    Array.from({ length: N }, async (_, i) => {
      const embedding = randomVector(i + 1);
      const contentHash = await profileContentHash({
        speakerId: `p${i}`,
        name: `P${i}`,
        embedding,
        acousticFeatures: null,
        totalSamples: 1,
      });
      return {
        tenant_id: tenant,
        speaker_id: `p${i}`,
        name: `P${i}`,
        embedding: Buffer.from(float32ToBytes(embedding)),
        total_samples: 1,
        content_hash: contentHash,
        updated_at: Date.now(),
        updated_by: 'bench',
      };
    }),
  );
  const batches: Array<typeof rows> = [];
  for (let i = 0; i < rows.length; i += 50) batches.push(rows.slice(i, i + 50));
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async (_, lane) => {
      for (let b = lane; b < batches.length; b += connections) {
        await sql`INSERT INTO profiles ${sql(batches[b] ?? [])} ON CONFLICT (tenant_id, speaker_id) DO UPDATE SET
          name = excluded.name, embedding = excluded.embedding, content_hash = excluded.content_hash,
          version = profiles.version + 1, updated_at = excluded.updated_at`;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await sql.end();
  return seconds;
}

export async function benchSync(): Promise<string> {
  const pg = await startPostgres();
  const admin = randomBytes(18).toString('base64url');
  const edge = await startEdge({ vars: { DATABASE_URL: pg.url, ADMIN_TOKEN: admin, PG_MAX: '3' } });
  const dir = mkdtempSync(join(tmpdir(), 'voicesync-bench-sync-'));
  try {
    const devices = [];
    for (let d = 0; d < 6; d++) devices.push(await provisionDevice(edge.url, admin, `bench-${d}`));
    const sampler = sampleConnections(pg.url, 10, { applicationName: 'voicesync-relay' });
    const tokens = devices.map((d) => d.token);
    const one = await timeSync(dir, edge.url, tokens.slice(0, 1), Priority.NORMAL);
    const threeHigh = await timeSync(dir, edge.url, tokens.slice(1, 4), Priority.HIGH);
    const twoNormal = await timeSync(dir, edge.url, tokens.slice(4, 6), Priority.NORMAL);
    const { max } = await sampler.stop();
    const direct1 = await direct(pg.url, 1);
    const direct3 = await direct(pg.url, 3);
    const rate = (seconds: number) => N / seconds;
    return `## Sync throughput (${N} profiles, 192-d, batches of 50, PostgreSQL ${pg.isFallback ? '(PGlite fallback)' : '15'}, PG_MAX 3)\n\n${table(
      ['path', 'seconds', 'profiles/s'],
      [
        ['1 agent, NORMAL: outbox -> edge Worker (workerd) -> Relay DO -> PostgreSQL', one, rate(one)],
        [
          '3 agents at once, HIGH (never deferred): all 3 upstream connections busy',
          threeHigh,
          rate(threeHigh),
        ],
        [
          '2 agents at once, NORMAL: pool load > 80 % defers them (backpressure at work)',
          twoNormal,
          rate(twoNormal),
        ],
        ['direct postgres.js multi-row upsert, 50 rows per statement, 1 connection', direct1, rate(direct1)],
        ['direct postgres.js multi-row upsert, 50 rows per statement, 3 connections', direct3, rate(direct3)],
      ],
    )}\n\nratios: 1 agent / direct 1 conn = ${(direct1 / one).toFixed(2)}; 3 agents / direct 3 conns = ${(direct3 / threeHigh).toFixed(2)} (target >= 0.5); max upstream connections observed = ${max} (cap 3)`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await edge.destroy();
    await pg.destroy();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await benchSync());
