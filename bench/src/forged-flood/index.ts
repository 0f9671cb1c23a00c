// A legitimate pull's latency while a flood of forged device tokens hits the edge, beside the same
// flood of unsigned tokens let through to the Relay (LEGACY_DEVICE_TOKENS=accept: the old path).
import { createHmac, randomBytes } from 'node:crypto';
import { startEdge, startPostgres } from '../../../test/harness/index.ts';
import { provisionDevice } from '../../../test/support/index.ts';
import { upsertMutation } from '../../../test/support/stack.ts';
import { summarize, table } from '../stats/index.ts';

const FLOOD = Number(process.env.BENCH_FLOOD_REQUESTS ?? 3000);
/** Requests per second (the review that found the hole sent ~350/s; BENCH_FLOOD_RATE=350 repeats it). */
const RATE = Number(process.env.BENCH_FLOOD_RATE ?? 100);
const IN_FLIGHT = Number(process.env.BENCH_FLOOD_IN_FLIGHT ?? 64);
const PULLS = Number(process.env.BENCH_FLOOD_PULLS ?? 150);
const ADMIN = randomBytes(32).toString('base64url');

function randomDeviceId(): string {
  return `dev_${randomBytes(8).toString('hex')}`;
}

/** Right shape, tagged with a key the edge does not hold. */
function forgedSigned(): string {
  const head = `${randomDeviceId()}.${randomBytes(32).toString('base64url')}`;
  const claims = Buffer.from(JSON.stringify({ t: 'x', iat: 1 })).toString('base64url');
  const tag = createHmac('sha256', randomBytes(32)).update(`${head}.${claims}`).digest('base64url');
  return `${head}.${claims}.${tag}`;
}

function forgedUnsigned(): string {
  return `${randomDeviceId()}.${randomBytes(32).toString('base64url')}`;
}

async function pullMs(url: string, token: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${url}/v1/pull?cursor=0`, { headers: { authorization: `Bearer ${token}` } });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`legitimate pull answered ${response.status}`);
  return performance.now() - started;
}

async function pulls(url: string, token: string): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < PULLS; i++) samples.push(await pullMs(url, token));
  return samples;
}

/** Sequential pulls for as long as `running()` holds: every sample is taken under the flood. */
async function pullsWhile(url: string, token: string, running: () => boolean): Promise<number[]> {
  const samples: number[] = [];
  while (running()) samples.push(await pullMs(url, token));
  return samples;
}

/** FLOOD requests paced at RATE per second (at most IN_FLIGHT open); returns the status counts. */
async function flood(url: string, token: () => string): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  const open = new Set<Promise<void>>();
  const started = performance.now();
  for (let i = 0; i < FLOOD; i++) {
    const due = started + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (open.size >= IN_FLIGHT) await Promise.race(open);
    const request = fetch(`${url}/v1/pull?cursor=0`, { headers: { authorization: `Bearer ${token()}` } })
      .then(async (response) => {
        await response.arrayBuffer();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      })
      .finally(() => open.delete(request));
    open.add(request);
  }
  await Promise.all(open);
  return statuses;
}

async function load(url: string): Promise<number> {
  const status = (await (await fetch(`${url}/v1/status`)).json()) as {
    pool: { load: number; queries: number };
  };
  return status.pool.load;
}

async function scenario(label: string, vars: Record<string, string>, token: () => string) {
  const pg = await startPostgres();
  const edge = await startEdge({ vars: { DATABASE_URL: pg.url, ADMIN_TOKEN: ADMIN, ...vars } });
  try {
    const device = await provisionDevice(edge.url, ADMIN, 'bench-flood');
    await fetch(`${edge.url}/v1/push`, {
      method: 'POST',
      headers: { authorization: `Bearer ${device.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ mutations: [await upsertMutation('ada', 1, 1)] }),
    });
    await pulls(edge.url, device.token); // warm-up
    const quiet = summarize(await pulls(edge.url, device.token));
    const loadBefore = await load(edge.url);
    let flooding = true;
    const attack = flood(edge.url, token).finally(() => {
      flooding = false;
    });
    const [statuses, loaded] = await Promise.all([
      attack,
      pullsWhile(edge.url, device.token, () => flooding),
    ]);
    const underFlood = summarize(loaded);
    const loadAfter = await load(edge.url);
    const counts = [...statuses].map(([status, n]) => `${status}×${n}`).join(' ');
    return [
      label,
      quiet.p50,
      underFlood.p50,
      underFlood.p50 / quiet.p50,
      underFlood.p99,
      underFlood.mean,
      underFlood.n,
      loadBefore,
      loadAfter,
      counts,
    ];
  } finally {
    await edge.destroy();
    await pg.destroy();
  }
}

export async function benchForgedFlood(): Promise<string> {
  const rows = [
    await scenario('signed tokens, forged (Worker gate)', {}, forgedSigned),
    await scenario('unsigned, let through (old path)', { LEGACY_DEVICE_TOKENS: 'accept' }, forgedUnsigned),
  ];
  return [
    `forged-token flood: ${FLOOD} requests at ${RATE}/s (at most ${IN_FLIGHT} open); a legitimate pull (ms): ${PULLS} quiet, then back to back while the flood lasts`,
    table(
      [
        'scenario',
        'pull p50 quiet',
        'pull p50 flood',
        'ratio',
        'pull p99 flood',
        'pull mean flood',
        'pulls',
        'load before',
        'load after',
        'flood answers',
      ],
      rows,
    ),
  ].join('\n');
}
