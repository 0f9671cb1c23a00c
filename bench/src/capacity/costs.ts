// `npm run bench -- edge-cost`: workerd CPU per request for push (1 and 50 mutations), pull (a
// page of 100) and the device handshake, sequential requests from one device, one shard.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { startEdge, startPostgres } from '../../../test/harness/index.ts';
import { provisionDevice } from '../../../test/support/index.ts';
import { upsertMutation } from '../../../test/support/stack.ts';
import { cpuNow, cpuSince } from '../stats/cpu.ts';
import { table } from '../stats/index.ts';

const REQUESTS = Number(process.env.BENCH_COST_REQUESTS ?? 300);

export interface EdgeCosts {
  push1: number;
  push50: number;
  pull100: number;
  handshake: number;
  /** GET /health: the Worker, one RPC to the shard, no PostgreSQL. The floor of any relay request. */
  health: number;
}

/** Median of `runs` measures of workerd CPU-ms per request over `count` requests made by `request`. */
async function cpuMsPerRequest(
  count: number,
  request: (i: number) => Promise<void>,
  runs = 3,
): Promise<number> {
  const measures: number[] = [];
  let i = 0;
  for (let r = 0; r < runs; r++) {
    const before = cpuNow();
    for (let k = 0; k < count; k++) await request(i++);
    measures.push((cpuSince(before).workerd * 1000) / count);
  }
  return measures.sort((a, b) => a - b)[Math.floor(runs / 2)] ?? Number.NaN;
}

export async function measureEdgeCosts(): Promise<EdgeCosts> {
  const postgres = await startPostgres();
  const adminToken = randomBytes(18).toString('base64url');
  const edge = await startEdge({ vars: { DATABASE_URL: postgres.url, ADMIN_TOKEN: adminToken } });
  try {
    const device = await provisionDevice(edge.url, adminToken, 'cost');
    const headers = { authorization: `Bearer ${device.token}`, 'content-type': 'application/json' };
    let mutationId = 0;
    // Bodies are built outside the measured loops: only the edge's work is on the clock.
    const batches = async (n: number, size: number) => {
      const bodies: string[] = [];
      for (let b = 0; b < n; b++) {
        const mutations = [];
        for (let k = 0; k < size; k++) {
          mutationId += 1;
          mutations.push(await upsertMutation(`cost-${mutationId}`, mutationId, mutationId));
        }
        bodies.push(JSON.stringify({ mutations }));
      }
      return bodies;
    };
    const send = async (body: string) => {
      const response = await fetch(`${edge.url}/v1/push`, { method: 'POST', headers, body });
      if (response.status !== 200) throw new Error(`push ${response.status}: ${await response.text()}`);
      await response.arrayBuffer();
    };
    const get = async (path: string) => {
      const response = await fetch(`${edge.url}${path}`, { headers });
      if (response.status !== 200) throw new Error(`${path} ${response.status}`);
      await response.arrayBuffer();
    };
    // Warm-up: the first requests compile code and open the connection.
    for (const body of await batches(20, 1)) await send(body);
    const ones = await batches(REQUESTS * 3, 1);
    const push1 = await cpuMsPerRequest(REQUESTS, (i) => send(ones[i]!));
    const fifties = await batches(Math.ceil(REQUESTS / 10) * 3, 50);
    const push50 = await cpuMsPerRequest(Math.ceil(REQUESTS / 10), (i) => send(fifties[i]!));
    const pull100 = await cpuMsPerRequest(REQUESTS, () => get('/v1/pull?cursor=0&limit=100'));
    const handshake = await cpuMsPerRequest(REQUESTS, () => get('/v1/device'));
    const health = await cpuMsPerRequest(REQUESTS, () => get('/health'));
    return { push1, push50, pull100, handshake, health };
  } finally {
    await edge.destroy();
    await postgres.destroy();
  }
}

export async function benchEdgeCost(): Promise<string> {
  const costs = await measureEdgeCosts();
  return [
    `edge cost: workerd CPU per request, ${REQUESTS} sequential requests per row (median of 3), one shard`,
    `${new Date().toISOString()}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
    '',
    table(
      ['request', 'CPU-ms / request', 'CPU-ms / mutation or profile', 'CPU-ms / 1,000 profiles'],
      [
        ['push, 1 mutation', costs.push1, costs.push1, costs.push1 * 1000],
        ['push, 50 mutations', costs.push50, costs.push50 / 50, (costs.push50 / 50) * 1000],
        ['pull, page of 100', costs.pull100, costs.pull100 / 100, (costs.pull100 / 100) * 1000],
        ['handshake (GET /v1/device)', costs.handshake, '-', '-'],
        ['floor: GET /health (one RPC, no PostgreSQL)', costs.health, '-', '-'],
      ],
    ),
  ].join('\n');
}
