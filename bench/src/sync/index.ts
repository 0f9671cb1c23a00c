// End-to-end sync throughput: a loaded outbox drained through the Worker in workerd into PostgreSQL,
// beside a direct postgres.js bulk upsert of the same rows into the same server, in one run.
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToBase64, float32ToBytes, Priority, profileContentHash } from '@voicesync/core';
import type { Mutation } from '@voicesync/schema';
import postgres from 'postgres';
import { createAgent } from '../../../apps/agent/src/agent.ts';
import { resolveConfig } from '../../../apps/agent/src/config/index.ts';
import { createLogger } from '../../../apps/agent/src/logger/index.ts';
import { edgeFetch } from '../../../apps/agent/src/sync/transport/http.ts';
import { sampleConnections, startEdge, startPostgres } from '../../../test/harness/index.ts';
import { provisionDevice, randomVector } from '../../../test/support/index.ts';
import { type CpuSeconds, cpuNow, cpuSince } from '../stats/cpu.ts';
import { format, table } from '../stats/index.ts';

const N = Number(process.env.BENCH_SYNC_PROFILES ?? 5000);
/** Each row is timed this many times (fresh outboxes and devices each time); the table shows the median. */
const REPEAT = Number(process.env.BENCH_SYNC_REPEAT ?? 3);

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

/** Resolves once the outbox holds nothing pending (an index search, cheap enough to poll). */
async function drained(agent: Awaited<ReturnType<typeof createAgent>>): Promise<void> {
  for (;;) {
    const rs = await agent.store.client.execute(`SELECT 1 FROM outbox WHERE status = 'pending' LIMIT 1`);
    if (rs.rows.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface Run {
  seconds: number;
  cpu: CpuSeconds;
}

/** The run of median duration (its CPU columns come with it), and the spread of the durations. */
function medianRun(runs: Run[]): Run & { min: number; max: number } {
  const sorted = [...runs].sort((a, b) => a.seconds - b.seconds);
  const median = sorted[Math.floor((sorted.length - 1) / 2)] as Run;
  return { ...median, min: sorted[0]?.seconds ?? Number.NaN, max: sorted.at(-1)?.seconds ?? Number.NaN };
}

/** Copies a closed libSQL database (and any WAL side files) so each repetition starts from the same outbox. */
function copyDatabase(from: string, to: string): void {
  for (const suffix of ['', '-wal', '-shm'])
    if (existsSync(from + suffix)) copyFileSync(from + suffix, to + suffix);
}

/**
 * Loads one outbox per agent (N profiles in all) once, then for each set of device tokens starts
 * one agent per outbox copy with its network held back (start-up — migrations, the embedding
 * preload — is not sync throughput) and times from releasing the network to every outbox being
 * empty.
 */
async function timeSync(
  dir: string,
  edgeUrl: string,
  repetitions: string[][],
  priority: Priority,
): Promise<Run[]> {
  const agents = repetitions[0]?.length ?? 0;
  const share = Math.ceil(N / agents);
  const seeds = Array.from({ length: agents }, (_, a) => join(dir, `seed-${agents}-${priority}-${a}.db`));
  await Promise.all(seeds.map((db, a) => loadOutbox(db, a * share, Math.min(N, (a + 1) * share), priority)));
  const runs: Run[] = [];
  for (const [r, tokens] of repetitions.entries()) {
    const dbs = seeds.map((seed, a) => {
      const db = join(dir, `agent-${agents}-${priority}-${a}-run${r}.db`);
      copyDatabase(seed, db);
      return db;
    });
    runs.push(await drainOnce(dbs, edgeUrl, tokens));
  }
  return runs;
}

async function drainOnce(dbs: string[], edgeUrl: string, tokens: string[]): Promise<Run> {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const fetch = async (input: string, init?: RequestInit) => {
    await gate;
    return edgeFetch(input, init);
  };
  const agents = await Promise.all(
    dbs.map((db, a) =>
      createAgent(
        resolveConfig({ db, edgeUrl, token: tokens[a] ?? '', syncIntervalMs: 60_000, logLevel: 'silent' }),
        { logger: createLogger('silent'), notify: false, fetch },
      ),
    ),
  );
  const cpu = cpuNow();
  const started = performance.now();
  release();
  await Promise.all(agents.map(drained));
  const run = { seconds: (performance.now() - started) / 1000, cpu: cpuSince(cpu) };
  await Promise.all(agents.map((agent) => agent.close()));
  return run;
}

/** Profile `i` as every path uploads it: the agent's put, the pre-built pushes, the direct upsert. */
async function benchProfile(i: number) {
  const content = {
    speakerId: `p${i}`,
    name: `P${i}`,
    embedding: randomVector(i + 1),
    acousticFeatures: null,
    totalSamples: 1,
  };
  return {
    ...content,
    bytes: float32ToBytes(content.embedding),
    contentHash: await profileContentHash(content),
  };
}

/**
 * The agent's tiers taken away: push bodies built before the clock starts (N profiles, 50 per
 * batch, split over the devices) are sent by `edgeFetch`, each device's batches in order and the
 * devices in parallel. What the edge Worker, the Relay and PostgreSQL can take on this machine is
 * an upper bound for the agent rows.
 */
async function edgeOnly(edgeUrl: string, tokens: string[]): Promise<Run> {
  const share = Math.ceil(N / tokens.length);
  const lanes = await Promise.all(
    tokens.map(async (_, d) => {
      const bodies: string[] = [];
      const from = d * share;
      const to = Math.min(N, from + share);
      for (let start = from; start < to; start += 50) {
        const mutations: Mutation[] = [];
        for (let i = start; i < Math.min(start + 50, to); i++) {
          const p = await benchProfile(i);
          mutations.push({
            mutationId: i - from + 1,
            speakerId: p.speakerId,
            op: 'upsert',
            baseHash: null,
            contentHash: p.contentHash,
            updatedAt: Date.now(),
            priority: Priority.HIGH,
            profile: {
              name: p.name,
              embeddingB64: bytesToBase64(p.bytes),
              acousticFeatures: null,
              totalSamples: 1,
            },
          });
        }
        bodies.push(JSON.stringify({ mutations }));
      }
      return bodies;
    }),
  );
  const cpu = cpuNow();
  const started = performance.now();
  await Promise.all(
    lanes.map(async (bodies, d) => {
      for (const body of bodies) {
        const response = await edgeFetch(`${edgeUrl}/v1/push`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tokens[d]}`, 'content-type': 'application/json' },
          body,
        });
        if (response.status !== 200)
          throw new Error(`edge-only push: ${response.status} ${await response.text()}`);
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, cpu: cpuSince(cpu) };
}

/** The same rows upserted by postgres.js straight into PostgreSQL, 50 per statement, on `connections`. */
async function direct(url: string, connections: number, run: number): Promise<Run> {
  const sql = postgres(url, { max: connections, onnotice: () => {} });
  const tenant = `direct-${connections}-${run}`;
  await sql`INSERT INTO tenants (id) VALUES (${tenant}) ON CONFLICT DO NOTHING`;
  const rows = await Promise.all(
    Array.from({ length: N }, async (_, i) => {
      const p = await benchProfile(i);
      return {
        tenant_id: tenant,
        speaker_id: p.speakerId,
        name: p.name,
        embedding: Buffer.from(p.bytes),
        total_samples: 1,
        content_hash: p.contentHash,
        updated_at: Date.now(),
        updated_by: 'bench',
      };
    }),
  );
  const batches: Array<typeof rows> = [];
  for (let i = 0; i < rows.length; i += 50) batches.push(rows.slice(i, i + 50));
  await sql`select 1`; // connections open before the clock starts, as the relay's are
  const cpu = cpuNow();
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
  const timed = { seconds: (performance.now() - started) / 1000, cpu: cpuSince(cpu) };
  await sql.end();
  return timed;
}

export async function benchSync(): Promise<string> {
  const pg = await startPostgres();
  const admin = randomBytes(18).toString('base64url');
  const edge = await startEdge({ vars: { DATABASE_URL: pg.url, ADMIN_TOKEN: admin, PG_MAX: '3' } });
  const dir = mkdtempSync(join(tmpdir(), 'voicesync-bench-sync-'));
  try {
    // Every repetition gets devices of its own: their mutation ids start at 1.
    let provisioned = 0;
    const fresh = async (count: number): Promise<string[][]> => {
      const sets: string[][] = [];
      for (let r = 0; r < REPEAT; r++) {
        const set: string[] = [];
        for (let d = 0; d < count; d++) {
          set.push((await provisionDevice(edge.url, admin, `bench-${provisioned++}`)).token);
        }
        sets.push(set);
      }
      return sets;
    };
    const sampler = sampleConnections(pg.url, 10, { applicationName: 'voicesync-relay' });
    const one = medianRun(await timeSync(dir, edge.url, await fresh(1), Priority.NORMAL));
    const threeHigh = medianRun(await timeSync(dir, edge.url, await fresh(3), Priority.HIGH));
    const twoNormal = medianRun(await timeSync(dir, edge.url, await fresh(2), Priority.NORMAL));
    const boundRuns: Run[] = [];
    for (const tokens of await fresh(3)) boundRuns.push(await edgeOnly(edge.url, tokens));
    const bound = medianRun(boundRuns);
    const { max } = await sampler.stop();
    const directRuns = async (connections: number) => {
      const runs: Run[] = [];
      for (let r = 0; r < REPEAT; r++) runs.push(await direct(pg.url, connections, r));
      return medianRun(runs);
    };
    const direct1 = await directRuns(1);
    const direct3 = await directRuns(3);
    const row = (path: string, run: ReturnType<typeof medianRun>) => {
      const { node, workerd, postgres } = run.cpu;
      const perThousand = ((node + workerd + postgres) / N) * 1e6;
      const spread = `${format(N / run.max)}–${format(N / run.min)}`;
      return [path, run.seconds, N / run.seconds, spread, node, workerd, postgres, perThousand];
    };
    const ratio = (a: Run, b: Run) => (a.seconds / b.seconds).toFixed(2);
    return `## Sync throughput (${N} profiles, 192-d, batches of 50, PostgreSQL ${pg.isFallback ? '(PGlite fallback)' : '15'}, PG_MAX 3)

Agent start-up (migrations, embedding preload) is excluded: the agents start with their network held
back and the clock runs from releasing it to every outbox being empty. CPU is user + system seconds
over the same interval: "node" is this process (the agents, or the direct client), then workerd and
every PostgreSQL process. Each row was timed ${REPEAT} times, each time with fresh outboxes (copies of
one loaded outbox) and fresh devices; the row shows the run of median duration, with its CPU, and the
range of profiles/s over all runs.

${table(
  [
    'path',
    'seconds',
    'profiles/s',
    `range of ${REPEAT} runs`,
    'CPU node s',
    'CPU workerd s',
    'CPU postgres s',
    'CPU ms per 1,000',
  ],
  [
    row('1 agent, NORMAL: outbox -> edge Worker (workerd) -> Relay DO -> PostgreSQL', one),
    row('3 agents at once, HIGH (never deferred): all 3 upstream connections busy', threeHigh),
    row('2 agents at once, NORMAL: pool load > 80 % defers them (backpressure at work)', twoNormal),
    row('no agent: pre-built pushes from 3 devices at once -> edge -> Relay -> PostgreSQL', bound),
    row('direct postgres.js multi-row upsert, 50 rows per statement, 1 connection', direct1),
    row('direct postgres.js multi-row upsert, 50 rows per statement, 3 connections', direct3),
  ],
)}

ratios: 1 agent / direct 1 conn = ${ratio(direct1, one)}; 3 agents / direct 3 conns = ${ratio(direct3, threeHigh)} (target >= 0.5); no agent / direct 3 conns = ${ratio(direct3, bound)} (the most any agent could reach here); max upstream connections observed = ${max} (cap 3)`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await edge.destroy();
    await pg.destroy();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await benchSync());
