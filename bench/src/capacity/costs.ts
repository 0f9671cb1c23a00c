// `npm run bench -- edge-cost`: workerd CPU per request for push (1 and 50 mutations, and 50
// enrolments that merge into stored profiles), pull (a page of 100) and the device handshake, sequential requests from one device (or from
// BENCH_COST_LANES devices at once), one shard. Requests go to the Worker's own socket:
// miniflare's entry worker, which stands where Cloudflare's front end stands in production, is
// measured once on its own (`entry`) and kept out of the other rows.
// `BENCH_BASELINE=<dir>` also runs the edge built from another checkout (e.g. `git archive` of
// the commit before a change) against the same PostgreSQL, its runs interleaved with ours, so a
// before/after comparison sees the same machine load.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { join } from 'node:path';
import { type EdgeHandle, startEdge, startPostgres } from '../../../test/harness/index.ts';
import { childPids, processCommandLine } from '../../../test/harness/process/pids.ts';
import { provisionDevice } from '../../../test/support/index.ts';
import { enrolMutation, upsertMutation } from '../../../test/support/stack.ts';
import { cpuOfPid } from '../stats/cpu.ts';
import {
  COUNTS_INSTRUCTIONS,
  countWorkerdInstructions,
  instructionsSinceZero,
  zeroInstructions,
} from './instructions.ts';
import { table } from '../stats/index.ts';

const REQUESTS = Number(process.env.BENCH_COST_REQUESTS ?? 300);
const RUNS = Number(process.env.BENCH_COST_RUNS ?? 3);
/**
 * `BENCH_COST_LANES=K` sends each row's requests from K devices at once, each device one request
 * at a time: the Worker under load, where workerd rarely idles between requests (see docs/capacity.md).
 */
const LANES = Math.max(1, Number(process.env.BENCH_COST_LANES ?? 1));
const ALL_ROWS = ['push1', 'push50', 'enrol50', 'pull100', 'handshake', 'health', 'entry'] as const;
/** `BENCH_COST_ROWS=push1,push50` measures only those rows (the others print NaN): for quick A/B runs. */
const ROWS = new Set((process.env.BENCH_COST_ROWS ?? ALL_ROWS.join(',')).split(','));

export interface EdgeCosts {
  push1: number;
  push50: number;
  /** 50 enrolments of speakers that exist: the transaction path, which reads the profiles it merges into. */
  enrol50: number;
  pull100: number;
  handshake: number;
  /** GET /health: the Worker, one RPC to the shard, no PostgreSQL. The floor of any relay request. */
  health: number;
  /** GET /health through miniflare's entry worker (what `edge.url` serves), for comparison with `health`. */
  entry: number;
}

interface Target {
  label: string;
  workerdPid: number;
  /** Requests of a row: `request(lane, i)` for i in [0, ceil(count / LANES) * RUNS), one device per lane. */
  rows: Record<keyof EdgeCosts, { count: number; request: (lane: number, i: number) => Promise<void> }>;
}

function workerdOf(edge: EdgeHandle): number {
  const pid = childPids(process.pid).find((candidate) =>
    processCommandLine(candidate).includes(`entry=127.0.0.1:${edge.port}`),
  );
  if (pid === undefined) throw new Error(`no workerd serving port ${edge.port}`);
  return pid;
}

interface Lane {
  ones: string[];
  fifties: string[];
  enrolments: string[];
  get: (path: string, origin?: string) => Promise<void>;
  send: (body: string) => Promise<void>;
}

/** One device of a target, its request bodies built outside the measured loops. */
async function lane(edge: EdgeHandle, adminToken: string, name: string): Promise<Lane> {
  const device = await provisionDevice(edge.url, adminToken, name);
  const direct = edge.directUrl;
  if (!direct) throw new Error('edge-cost needs the edge started with directSocket');
  const headers = { authorization: `Bearer ${device.token}`, 'content-type': 'application/json' };
  let mutationId = 0;
  const batches = async (n: number, size: number, enrol = false) => {
    const bodies: string[] = [];
    for (let b = 0; b < n; b++) {
      const mutations = [];
      for (let k = 0; k < size; k++) {
        mutationId += 1;
        mutations.push(
          enrol
            ? await enrolMutation(`${name}-enrolled-${k}`, mutationId, mutationId)
            : await upsertMutation(`${name}-${mutationId}`, mutationId, mutationId),
        );
      }
      bodies.push(JSON.stringify({ mutations }));
    }
    return bodies;
  };
  const send = async (body: string) => {
    const response = await fetch(`${direct}/v1/push`, { method: 'POST', headers, body });
    if (response.status !== 200) throw new Error(`push ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
  };
  const get = async (path: string, origin = direct) => {
    const response = await fetch(`${origin}${path}`, { headers });
    if (response.status !== 200) throw new Error(`${path} ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
  };
  // Warm-up: the first requests compile code and open the connection; the log then holds 170
  // profiles, so a pull reads a full page whichever rows run.
  for (const body of await batches(20, 1)) await send(body);
  for (const body of await batches(2, 50)) await send(body);
  // The speakers the enrolment row merges into: it enrols the same 50 again and again.
  for (const body of await batches(1, 50, true)) await send(body);
  const perLane = (count: number) => Math.ceil(count / LANES) * RUNS;
  // Only the rows that run get bodies: mutation ids must follow on from one pushed row to the next.
  return {
    ones: ROWS.has('push1') ? await batches(perLane(REQUESTS), 1) : [],
    fifties: ROWS.has('push50') ? await batches(perLane(Math.ceil(REQUESTS / 10)), 50) : [],
    enrolments: ROWS.has('enrol50') ? await batches(perLane(Math.ceil(REQUESTS / 10)), 50, true) : [],
    get,
    send,
  };
}

async function target(label: string, edge: EdgeHandle, adminToken: string): Promise<Target> {
  const lanes: Lane[] = [];
  for (let l = 0; l < LANES; l++) lanes.push(await lane(edge, adminToken, `cost-${label}-${l}`));
  const at = (l: number) => lanes[l] as Lane;
  return {
    label,
    workerdPid: workerdOf(edge),
    rows: {
      push1: { count: REQUESTS, request: (l, i) => at(l).send(at(l).ones[i]!) },
      push50: { count: Math.ceil(REQUESTS / 10), request: (l, i) => at(l).send(at(l).fifties[i]!) },
      enrol50: { count: Math.ceil(REQUESTS / 10), request: (l, i) => at(l).send(at(l).enrolments[i]!) },
      pull100: { count: REQUESTS, request: (l) => at(l).get('/v1/pull?cursor=0&limit=100') },
      handshake: { count: REQUESTS, request: (l) => at(l).get('/v1/device') },
      health: { count: REQUESTS, request: (l) => at(l).get('/health') },
      entry: { count: REQUESTS, request: (l) => at(l).get('/health', edge.url) },
    },
  };
}

/** What a run of workerd costs: CPU-ms, or (BENCH_COST_COUNT=instructions) thousands of instructions. */
interface Meter {
  unit: string;
  start(pid: number): () => number;
}

const cpuMeter: Meter = {
  unit: 'CPU-ms',
  start(pid) {
    const before = cpuOfPid(pid);
    return () => (cpuOfPid(pid) - before) * 1000;
  },
};

function instructionMeter(dir: string): Meter {
  return {
    unit: 'k instructions',
    start(pid) {
      zeroInstructions(pid);
      return () => instructionsSinceZero(dir, pid) / 1000;
    },
  };
}

/** Median over RUNS of workerd's cost per request, every target's run r before any run r + 1. */
async function measure(
  targets: Target[],
  meter: Meter,
): Promise<{ costs: EdgeCosts[]; pairedRatios: EdgeCosts }> {
  const costs = targets.map(() => ({}) as EdgeCosts);
  const pairedRatios = {} as EdgeCosts;
  for (const row of ALL_ROWS) {
    const measures = targets.map((): number[] => []);
    for (let run = 0; run < RUNS && ROWS.has(row); run++) {
      // Alternating who goes first cancels any advantage of a position in the run.
      const order = [...targets.entries()];
      if (run % 2 === 1) order.reverse();
      for (const [t, { rows, workerdPid }] of order) {
        const { count, request } = rows[row];
        const perLane = Math.ceil(count / LANES);
        const stop = meter.start(workerdPid);
        await Promise.all(
          Array.from({ length: LANES }, async (_, l) => {
            for (let k = 0; k < perLane; k++) await request(l, run * perLane + k);
          }),
        );
        measures[t]?.push(stop() / (perLane * LANES));
      }
    }
    // Run r of each target ran back to back: the median of their ratios sees the least load noise.
    const [ours, baseline] = measures;
    pairedRatios[row] = median(
      ours && baseline ? ours.map((value, run) => value / (baseline[run] ?? Number.NaN)) : [],
    );
    for (const [t, list] of measures.entries()) (costs[t] as EdgeCosts)[row] = median(list);
  }
  return { costs, pairedRatios };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export async function measureEdgeCosts(
  baselineDir = process.env.BENCH_BASELINE,
): Promise<{ costs: EdgeCosts[]; pairedRatios: EdgeCosts; unit: string }> {
  const postgres = await startPostgres();
  const workerdPath = process.env.MINIFLARE_WORKERD_PATH;
  const meter = COUNTS_INSTRUCTIONS ? instructionMeter(countWorkerdInstructions()) : cpuMeter;
  const adminToken = randomBytes(18).toString('base64url');
  const vars = { DATABASE_URL: postgres.url, ADMIN_TOKEN: adminToken };
  const edges: EdgeHandle[] = [];
  try {
    edges.push(await startEdge({ vars, directSocket: true }));
    if (baselineDir) {
      edges.push(
        await startEdge({ vars, directSocket: true, configPath: join(baselineDir, 'wrangler.toml') }),
      );
    }
    const targets: Target[] = [];
    for (const [index, edge] of edges.entries()) {
      targets.push(await target(index === 0 ? 'this' : 'baseline', edge, adminToken));
    }
    return { ...(await measure(targets, meter)), unit: meter.unit };
  } finally {
    if (workerdPath === undefined) delete process.env.MINIFLARE_WORKERD_PATH;
    else process.env.MINIFLARE_WORKERD_PATH = workerdPath;
    for (const edge of edges) await edge.destroy();
    await postgres.destroy();
  }
}

function costTable(costs: EdgeCosts, unit: string): string {
  return table(
    ['request', `${unit} / request`, `${unit} / mutation or profile`, `${unit} / 1,000 profiles`],
    [
      ['push, 1 mutation', costs.push1, costs.push1, costs.push1 * 1000],
      ['push, 50 mutations', costs.push50, costs.push50 / 50, (costs.push50 / 50) * 1000],
      ['push, 50 enrolments (merged)', costs.enrol50, costs.enrol50 / 50, (costs.enrol50 / 50) * 1000],
      ['pull, page of 100', costs.pull100, costs.pull100 / 100, (costs.pull100 / 100) * 1000],
      ['handshake (GET /v1/device)', costs.handshake, '-', '-'],
      ['floor: GET /health (one RPC, no PostgreSQL)', costs.health, '-', '-'],
      ["GET /health through miniflare's entry worker", costs.entry, '-', '-'],
    ],
  );
}

export async function benchEdgeCost(): Promise<string> {
  const {
    costs: [ours, baseline],
    pairedRatios,
    unit,
  } = await measureEdgeCosts();
  const what = unit === 'CPU-ms' ? 'CPU' : 'instructions (callgrind)';
  const lines = [
    `edge cost: workerd ${what} per request, ${REQUESTS} requests per row (50-mutation push: ${Math.ceil(REQUESTS / 10)}) to the Worker's own socket, ${LANES === 1 ? 'one at a time' : `from ${LANES} devices at once`}, median of ${RUNS} runs, one shard`,
    `${new Date().toISOString()}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
    '',
    costTable(ours as EdgeCosts, unit),
  ];
  if (!baseline || !ours) return lines.join('\n');
  lines.push(
    '',
    `same run, interleaved, the edge built from ${process.env.BENCH_BASELINE}:`,
    '',
    costTable(baseline, unit),
    '',
    table(
      [
        'request',
        'this / baseline (medians)',
        'median of paired runs',
        `above the floor: this / baseline (${unit})`,
      ],
      ALL_ROWS.map((row) => [
        row,
        ours[row] / baseline[row],
        pairedRatios[row],
        `${(ours[row] - ours.health).toFixed(3)} / ${(baseline[row] - baseline.health).toFixed(3)}`,
      ]),
    ),
  );
  return lines.join('\n');
}
