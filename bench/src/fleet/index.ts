// `npm run bench -- fleet`: D light simulated devices in several tenants against the Worker in
// workerd, with RELAY_SHARDS 1 and 4 under PG_MAX 4: throughput, latency per route, workerd CPU per
// request, PostgreSQL connections, and every mutation applied exactly once.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import {
  type PostgresHandle,
  sampleConnections,
  startEdge,
  startPostgres,
} from '../../../test/harness/index.ts';
import { pg, provisionDevice } from '../../../test/support/index.ts';
import { cpuNow, cpuSince } from '../stats/cpu.ts';
import { summarize, table } from '../stats/index.ts';
import { type Device, RouteStats, SimulatedDevice, seeded } from './device.ts';

const DEVICES = Number(process.env.BENCH_FLEET_DEVICES ?? 1000);
const TENANTS = Number(process.env.BENCH_FLEET_TENANTS ?? 250);
const SECONDS = Number(process.env.BENCH_FLEET_SECONDS ?? 60);
const MIN_MS = Number(process.env.BENCH_FLEET_MIN_MS ?? 20_000);
const MAX_MS = Number(process.env.BENCH_FLEET_MAX_MS ?? 40_000);
const PG_MAX = '4';

interface Row {
  shards: number;
  stats: RouteStats;
  seconds: number;
  workerdCpuS: number;
  maxConnections: number;
  sockets: number;
  mutations: number;
  exactlyOnce: string;
}

async function inBatches<T>(
  items: T[],
  size: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < items.length; i += size) {
    await Promise.all(items.slice(i, i + size).map((item, k) => work(item, i + k)));
  }
}

/** Every device's applied mutation ids are 1..last, each with exactly one change row. */
async function exactlyOnce(url: string, devices: SimulatedDevice[]): Promise<string> {
  const sql = pg(url);
  try {
    const ids = devices.map((d) => d.device.deviceId);
    const rows = await sql<{ id: string; last: string; changes: number; distinct_ids: number }[]>`
      select d.id, d.last_mutation_id as last,
        (select count(*)::int from changes c where c.device_id = d.id) as changes,
        (select count(distinct c.mutation_id)::int from changes c where c.device_id = d.id) as distinct_ids
      from devices d where d.id = any(${ids})`;
    const acked = new Map(devices.map((d) => [d.device.deviceId, d.acked]));
    const bad = rows.filter(
      (row) =>
        row.changes !== Number(row.last) ||
        row.distinct_ids !== row.changes ||
        Number(row.last) < (acked.get(row.id) ?? 0),
    );
    return bad.length === 0 && rows.length === devices.length
      ? `yes (${rows.length} devices)`
      : `NO: ${bad.length} devices`;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

async function runFleet(postgres: PostgresHandle, shards: number): Promise<Row> {
  const adminToken = randomBytes(18).toString('base64url');
  const edge = await startEdge({
    vars: { DATABASE_URL: postgres.url, ADMIN_TOKEN: adminToken, RELAY_SHARDS: String(shards), PG_MAX },
  });
  try {
    const devices: Device[] = new Array(DEVICES);
    await inBatches([...Array(DEVICES).keys()], 25, async (i) => {
      devices[i] = await provisionDevice(edge.url, adminToken, `fleet-${shards}-t${i % TENANTS}`);
    });
    const stats = new RouteStats();
    const fleet = devices.map((device, i) => new SimulatedDevice(device, edge.url, stats, seeded(i + 1)));
    await inBatches(fleet, 50, (member) => member.connect());
    const sockets = stats.latency.get('notify (upgrade)')?.length ?? 0;
    const sampler = sampleConnections(postgres.url, 50, { applicationName: 'voicesync-relay' });
    const cpu = cpuNow();
    const started = performance.now();
    await Promise.all(fleet.map((member) => member.run(started + SECONDS * 1000, MIN_MS, MAX_MS)));
    await Promise.all(fleet.map((member) => member.close()));
    const seconds = (performance.now() - started) / 1000;
    const used = cpuSince(cpu);
    const { max } = await sampler.stop();
    // Only the timed window's requests: the upgrades before it are reported beside.
    stats.latency.delete('notify (upgrade)');
    return {
      shards,
      stats,
      seconds,
      workerdCpuS: used.workerd,
      maxConnections: max,
      sockets,
      mutations: fleet.reduce((sum, member) => sum + member.sent, 0),
      exactlyOnce: await exactlyOnce(postgres.url, fleet),
    };
  } finally {
    await edge.destroy();
  }
}

function report(rows: Row[]): string {
  const summary = table(
    [
      'RELAY_SHARDS',
      'PG_MAX',
      'sockets',
      'req/s',
      'mutations',
      'errors',
      'workerd CPU-ms/req',
      'max PG conns',
      'exactly once',
    ],
    rows.map((row) => {
      const requests = row.stats.requests;
      const errors = [...row.stats.errors.entries()].map(([k, v]) => `${k}: ${v}`).join(', ') || '0';
      return [
        String(row.shards),
        PG_MAX,
        String(row.sockets),
        requests / row.seconds,
        String(row.mutations),
        errors,
        requests > 0 ? (row.workerdCpuS * 1000) / requests : '-',
        String(row.maxConnections),
        row.exactlyOnce,
      ];
    }),
  );
  const routes = table(
    ['RELAY_SHARDS', 'route', 'requests', 'p50 ms', 'p99 ms'],
    rows.flatMap((row) =>
      [...row.stats.latency.entries()].map(([route, samples]) => {
        const s = summarize(samples);
        return [String(row.shards), route, String(s.n), s.p50, s.p99];
      }),
    ),
  );
  return [
    `fleet: ${DEVICES} devices in ${TENANTS} tenants, ${SECONDS} s, a push of 1-5 mutations every ${MIN_MS / 1000}-${MAX_MS / 1000} s per device, pull on notification`,
    `${new Date().toISOString()}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; all Durable Objects share one workerd thread here`,
    '',
    summary,
    '',
    routes,
  ].join('\n');
}

export async function benchFleet(): Promise<string> {
  const postgres = await startPostgres({ maxConnections: 50 });
  try {
    const rows: Row[] = [];
    for (const shards of [1, 4]) rows.push(await runFleet(postgres, shards));
    return report(rows);
  } finally {
    await postgres.destroy();
  }
}
