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

async function loadOutbox(db: string): Promise<void> {
  const agent = await createAgent(resolveConfig({ db, logLevel: 'silent' }), {
    logger: createLogger('silent'),
  });
  for (let i = 0; i < N; i++) {
    await agent.profiles.put(
      `p${i}`,
      { name: `P${i}`, embedding: Float32Array.from(randomVector(i + 1)) },
      Priority.NORMAL,
    );
  }
  await agent.close();
}

async function drain(db: string, edgeUrl: string, token: string): Promise<number> {
  const config = resolveConfig({ db, edgeUrl, token, syncIntervalMs: 60_000, logLevel: 'silent' });
  const started = performance.now();
  const agent = await createAgent(config, { logger: createLogger('silent') });
  for (;;) {
    const counts = await agent.outbox.counts();
    if (counts.pending === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const seconds = (performance.now() - started) / 1000;
  await agent.close();
  return seconds;
}

async function direct(url: string): Promise<number> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  await sql`INSERT INTO tenants (id) VALUES ('direct') ON CONFLICT DO NOTHING`;
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
        tenant_id: 'direct',
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
  const started = performance.now();
  for (let i = 0; i < rows.length; i += 50) {
    const batch = rows.slice(i, i + 50);
    await sql`INSERT INTO profiles ${sql(batch)} ON CONFLICT (tenant_id, speaker_id) DO UPDATE SET
      name = excluded.name, embedding = excluded.embedding, content_hash = excluded.content_hash,
      version = profiles.version + 1, updated_at = excluded.updated_at`;
  }
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
    const device = await provisionDevice(edge.url, admin, 'bench');
    const db = join(dir, 'agent.db');
    await loadOutbox(db);
    const sampler = sampleConnections(pg.url, 10, { applicationName: 'voicesync-relay' });
    const syncSeconds = await drain(db, edge.url, device.token);
    const { max } = await sampler.stop();
    const directSeconds = await direct(pg.url);
    const syncRate = N / syncSeconds;
    const directRate = N / directSeconds;
    return `## Sync throughput (${N} profiles, 192-d, batches of 50, PostgreSQL ${pg.isFallback ? '(PGlite fallback)' : '15'})\n\n${table(
      ['path', 'seconds', 'profiles/s'],
      [
        ['agent outbox -> edge Worker (workerd) -> Relay DO -> PostgreSQL', syncSeconds, syncRate],
        [
          'direct postgres.js multi-row upsert, 50 rows per statement, 1 connection',
          directSeconds,
          directRate,
        ],
      ],
    )}\n\nratio sync/direct = ${(syncRate / directRate).toFixed(2)} (target >= 0.5); max upstream connections observed = ${max} (cap 3)`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await edge.destroy();
    await pg.destroy();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await benchSync());
