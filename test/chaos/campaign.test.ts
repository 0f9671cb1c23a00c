// Issue 11: the chaos campaign. Real PostgreSQL, the real Worker in workerd and three real agent
// processes (two tenants) on default settings, with a seeded schedule of faults: PostgreSQL stopped,
// workerd and agents SIGKILLed, and latency, stalls and resets on the agent→edge and edge→PostgreSQL
// paths through the harness's fault proxy. At the end, with no human action, everything answered is
// upstream exactly once and every agent of a tenant holds what PostgreSQL holds. Replay a run with
// CHAOS_SEED=<seed printed at the start>.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AgentHandle,
  agentFetch,
  type EdgeHandle,
  type FaultProxy,
  type PostgresHandle,
  sampleConnections,
  startAgent,
  startEdge,
  startFaultProxy,
  startPostgres,
} from '../harness/index.ts';
import { parsePrometheusText } from '../observability/prometheus-text.ts';
import { agentStatus, eventually, pg, provisionDevice, type Sql } from '../support/index.ts';
import { chaosSeed, drawSchedule, type Fault, seededRandom } from './schedule.ts';
import { Workload } from './workload.ts';

const WINDOW_MS = 90_000;
const MAX_OUTAGE_MS = 45_000;
const PG_MAX = 3;
const TENANTS = ['tenant-chaos-a', 'tenant-chaos-a', 'tenant-chaos-b'];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function rssMb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
    return line ? Number(line[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** The verify histogram's cumulative bucket counts (le in seconds -> count) from one /metrics scrape. */
async function verifyBuckets(agentUrl: string): Promise<Map<number, number>> {
  const text = await (await agentFetch(`${agentUrl}/metrics`)).text();
  const buckets = new Map<number, number>();
  for (const sample of parsePrometheusText(text).samples) {
    if (sample.name !== 'voicesync_verify_seconds_bucket') continue;
    buckets.set(
      Number(sample.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : sample.labels.le),
      sample.value,
    );
  }
  return buckets;
}

/** The upper bound (s) of the bucket holding the 99th percentile of all runs' verifications together. */
function p99Bound(runs: Iterable<Map<number, number>>): number {
  const total = new Map<number, number>();
  for (const run of runs) for (const [le, n] of run) total.set(le, (total.get(le) ?? 0) + n);
  const bounds = [...total.keys()].sort((a, b) => a - b);
  const count = total.get(Number.POSITIVE_INFINITY) ?? 0;
  return bounds.find((le) => (total.get(le) ?? 0) >= 0.99 * count) ?? Number.POSITIVE_INFINITY;
}

describe('chaos campaign (default settings)', () => {
  const seed = chaosSeed();
  let postgres: PostgresHandle;
  let pgProxy: FaultProxy;
  let edge: EdgeHandle;
  let edgeProxy: FaultProxy;
  let sql: Sql;
  const agents: AgentHandle[] = [];
  let campaignVerifyP99: number | undefined;

  beforeAll(async () => {
    console.log(`chaos campaign: CHAOS_SEED=${seed} (set it to replay this schedule)`);
    postgres = await startPostgres();
    pgProxy = await startFaultProxy({ target: () => ({ port: postgres.port }) });
    const adminToken = randomBytes(18).toString('base64url');
    const viaProxy = new URL(postgres.url);
    viaProxy.port = String(pgProxy.port);
    edge = await startEdge({
      vars: { DATABASE_URL: viaProxy.toString(), ADMIN_TOKEN: adminToken, PG_MAX: String(PG_MAX) },
    });
    edgeProxy = await startFaultProxy({ target: () => ({ port: edge.port }) });
    sql = pg(postgres.url);
    for (const tenant of TENANTS) {
      const device = await provisionDevice(edge.url, adminToken, tenant);
      agents.push(
        await startAgent({
          edge: edgeProxy.url,
          token: device.token,
          deviceId: device.deviceId,
          // A restart compiles the agent with tsx again: on a loaded 2-core machine that can take long.
          readyTimeoutMs: 90_000,
        }),
      );
    }
  });
  afterAll(async () => {
    await Promise.all(agents.map((agent) => agent.destroy()));
    await sql?.end({ timeout: 1 });
    await edgeProxy?.close();
    await edge?.destroy();
    await pgProxy?.close();
    await postgres?.destroy();
  });

  it('ends with every answered write upstream once, agents equal to PostgreSQL, 0 dead letters', async () => {
    const random = seededRandom(seed);
    const faults = drawSchedule(seed, WINDOW_MS, agents.length, MAX_OUTAGE_MS);
    for (const f of faults)
      console.log(`  +${(f.at / 1000).toFixed(1)} s ${f.kind} ${f.durationMs} ms ${f.arg}`);
    const workloads = agents.map((agent, i) => new Workload(agent, `chaos${i}`, seededRandom(seed + i + 1)));
    const connections = sampleConnections(postgres.url, 100, { applicationName: 'voicesync-relay' });
    let verifyP99Max = 0;
    let rssMax = 0;
    // Per agent process (a restart starts a new histogram): the last scrape of each run counts.
    const verifyRuns = new Map<string, Map<number, number>>();
    let watching = true;
    const watch = (async () => {
      while (watching) {
        for (const [i, agent] of agents.entries()) {
          rssMax = Math.max(rssMax, rssMb(agent.pid));
          if (workloads[i]?.down) continue;
          const status = (await agentStatus(agent.url).catch(() => undefined)) as
            | { metrics?: { latencyMs: { verify: { p99: number | null } } } }
            | undefined;
          verifyP99Max = Math.max(verifyP99Max, status?.metrics?.latencyMs.verify.p99 ?? 0);
          const buckets = await verifyBuckets(agent.url).catch(() => undefined);
          if (buckets) verifyRuns.set(`${i}:${agent.pid}`, buckets);
        }
        await sleep(2_000);
      }
    })();

    const run = async (f: Fault) => {
      await sleep(f.at);
      switch (f.kind) {
        case 'postgres-stop':
          await postgres.stop();
          await sleep(f.durationMs);
          await postgres.start();
          return;
        case 'workerd-kill':
          await edge.kill();
          await sleep(f.durationMs);
          await edge.start();
          return;
        case 'agent-kill': {
          const workload = workloads[f.arg];
          const agent = agents[f.arg];
          if (!workload || !agent) return;
          workload.down = true;
          await agent.kill();
          await agent.restart();
          workload.down = false;
          return;
        }
        default: {
          const proxy = f.kind.startsWith('agent-edge') ? edgeProxy : pgProxy;
          const mode = f.kind.endsWith('latency') ? 'latency' : f.kind.endsWith('stall') ? 'stall' : 'reset';
          proxy.set(mode, { latencyMs: f.arg });
          await sleep(f.durationMs);
          proxy.set('pass');
        }
      }
    };

    const started = Date.now();
    for (const workload of workloads) workload.start();
    await Promise.all(faults.map(run));
    const lastFaultAt = Date.now();
    // Writes go on a little past the last fault, then stop: what was answered is what must arrive.
    await sleep(2_000 + random() * 1_000);
    for (const workload of workloads) await workload.stop();

    // No command from here on: the queues notice the path is back and drain by themselves.
    await eventually(
      async () => {
        const statuses = await Promise.all(agents.map((agent) => agentStatus(agent.url)));
        return statuses.every((s) => s.outbox.pending === 0) || undefined;
      },
      150_000,
      500,
    );
    const drainedMs = Date.now() - lastFaultAt;

    const dead = await Promise.all(
      agents.map(async (agent) => {
        const listed = (await (await agentFetch(`${agent.url}/v1/outbox?status=dead`)).json()) as {
          entries: unknown[];
        };
        return listed.entries;
      }),
    );
    expect(dead, 'dead letters after the campaign').toEqual(agents.map(() => []));
    // Every answered write is in PostgreSQL once, with the final hash of its agent: the last answered
    // write of each speaker, or a later one whose answer a SIGKILL cut off after it committed.
    const rows = await sql<{ tenant_id: string; speaker_id: string; content_hash: string; name: string }[]>`
      SELECT tenant_id, speaker_id, content_hash, name FROM profiles WHERE deleted = false`;
    const upstream = new Map(rows.map((r) => [`${r.tenant_id}/${r.speaker_id}`, r]));
    expect(upstream.size).toBe(rows.length);
    for (const [i, workload] of workloads.entries()) {
      for (const [id, written] of workload.answered) {
        const row = upstream.get(`${TENANTS[i]}/${id}`);
        const possible = [written.name, ...(workload.inDoubt.get(id) ?? [])];
        expect(possible, id).toContain(row?.name);
        if (row?.name === written.name) expect(row.content_hash, id).toBe(written.contentHash);
        const local = (await (await agentFetch(`${agents[i]?.url}/v1/profiles/${id}`)).json()) as {
          contentHash?: string;
        };
        expect(local.contentHash, `${id} on its agent`).toBe(row?.content_hash);
      }
    }
    // Every agent of a tenant holds what PostgreSQL holds for that tenant (pull converges).
    const expected = (tenant: string) =>
      rows
        .filter((r) => r.tenant_id === tenant)
        .map((r) => `${r.speaker_id}=${r.name}`)
        .sort();
    await eventually(
      async () => {
        for (const [i, agent] of agents.entries()) {
          const listed = (await (await agentFetch(`${agent.url}/v1/profiles?limit=10000`)).json()) as Array<{
            speakerId: string;
            name: string;
          }>;
          const held = listed.map((p) => `${p.speakerId}=${p.name}`).sort();
          if (JSON.stringify(held) !== JSON.stringify(expected(TENANTS[i] ?? ''))) return undefined;
        }
        return true;
      },
      90_000,
      1_000,
    );
    const statuses = await Promise.all(agents.map((agent) => agentStatus(agent.url)));
    expect(statuses.map((s) => s.outbox.deadLetters)).toEqual([0, 0, 0]);
    watching = false;
    await watch;
    for (const [i, agent] of agents.entries())
      verifyRuns.set(`${i}:${agent.pid}`, await verifyBuckets(agent.url));
    const verifyP99 = p99Bound(verifyRuns.values());
    campaignVerifyP99 = verifyP99;
    const pool = await connections.stop();

    const failures = workloads.flatMap((w) => w.failures);
    const writes = workloads.reduce((n, w) => n + w.writes, 0);
    const verifications = workloads.reduce((n, w) => n + w.verifications, 0);
    const longest = Math.max(
      ...faults
        .filter((f) => f.kind === 'postgres-stop' || f.kind.endsWith('stall') || f.kind === 'workerd-kill')
        .map((f) => f.durationMs),
    );
    console.table({
      CHAOS_SEED: seed,
      'faults injected': faults.length,
      writes,
      verifications,
      'longest outage (s)': longest / 1000,
      'drain after last fault (s)': drainedMs / 1000,
      'campaign wall time (s)': (Date.now() - started) / 1000,
      'max upstream connections': pool.max,
      'verify p99, whole campaign (ms, bucket bound)': verifyP99 * 1000,
      'worst 10 s interval p99 (ms)': Number(verifyP99Max.toFixed(3)),
      'agent RSS max (MB)': Math.round(rssMax),
    });
    expect(failures).toEqual([]);
    expect(writes).toBeGreaterThan(100);
    expect(pool.max).toBeLessThanOrEqual(PG_MAX);
    expect(rssMax).toBeLessThan(400);
  }, 420_000);

  // Its own test, so a machine too loaded to keep the bound shows as that and nothing else.
  it('kept the verify p99 under 5 ms through the faults', () => {
    // Every verification of the campaign, from the agents' own histograms (compute only, no HTTP),
    // as a bucket bound. The worst 10 s interval is printed, not asserted: with ~100 verifications
    // per interval its p99 is the slowest sample, one descheduling of the process.
    expect(campaignVerifyP99).toBeDefined();
    expect(campaignVerifyP99).toBeLessThanOrEqual(0.005);
  });
});
