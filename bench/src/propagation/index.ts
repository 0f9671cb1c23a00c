// Propagation time A -> B (write on one device until the other verifies it): live notifications vs polling.
import { eventually } from '../../../test/support/index.ts';
import {
  type Backend,
  type FleetAgent,
  startBackend,
  startFleetAgent,
} from '../../../test/multi-device/fleet.ts';
import { propagationMs } from '../../../test/multi-device/probe.ts';
import { summarize, table } from '../stats/index.ts';

const WRITES = Number(process.env.BENCH_PROPAGATION_WRITES ?? 50);
/** Polling is sampled at this interval; the default 30 s would take ~25 min for 50 samples. */
const SAMPLED_POLL_MS = Number(process.env.BENCH_PROPAGATION_POLL_MS ?? 1_000);
const DEFAULT_POLL_MS = 30_000;

interface Pair {
  writer: FleetAgent;
  reader: FleetAgent;
}

async function startPair(
  backend: Backend,
  tenantId: string,
  pullIntervalMs: number,
  notify: boolean,
): Promise<Pair> {
  const [a, b] = await Promise.all([backend.provision(tenantId), backend.provision(tenantId)]);
  // Pushes are not what is measured: enrolment is HIGH priority and leaves at once either way.
  const config = { pullIntervalMs, syncIntervalMs: DEFAULT_POLL_MS };
  const writer = await startFleetAgent(backend, `${tenantId}-a`, a!, { config, notify });
  const reader = await startFleetAgent(backend, `${tenantId}-b`, b!, { config, notify });
  if (notify) {
    await eventually(
      async () => writer.agent.notifier?.state === 'open' && reader.agent.notifier?.state === 'open',
    );
  }
  return { writer, reader };
}

/**
 * Sequential writes, each after a random pause of up to `spreadMs`, so a write lands at a uniformly
 * random phase of the reader's pull timer instead of right after the pull that delivered the last one.
 */
async function measure(pair: Pair, prefix: string, spreadMs: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < WRITES; i++) {
    await new Promise((resolve) => setTimeout(resolve, Math.random() * spreadMs));
    samples.push(
      await propagationMs(pair.writer, pair.reader, `${prefix}-${i}`, 10_000 + i, 4 * DEFAULT_POLL_MS),
    );
  }
  return samples;
}

async function closePair(pair: Pair): Promise<void> {
  await pair.writer.close();
  await pair.reader.close();
}

export async function benchPropagation(): Promise<string> {
  const backend = await startBackend();
  try {
    const live = await startPair(backend, 'bench-live', 60_000, true);
    const liveMs = summarize(await measure(live, 'live', 200));
    await closePair(live);
    const polled = await startPair(backend, 'bench-poll', SAMPLED_POLL_MS, false);
    const pollMs = summarize(await measure(polled, 'poll', SAMPLED_POLL_MS));
    await closePair(polled);
    // With the pull timer the only path, the wait is uniform over the interval on top of the live path.
    const overhead = liveMs.p50;
    const expected = (q: number) => q * DEFAULT_POLL_MS + overhead;
    return [
      `### Propagation A -> B (enrol on A until B's /v1/verify accepts), ${WRITES} writes each`,
      '',
      table(
        ['mode', 'pull timer', 'how', 'p50 ms', 'p99 ms', 'mean ms'],
        [
          [
            'live notification (WebSocket)',
            '60 s (never fires)',
            `measured, n=${liveMs.n}`,
            liveMs.p50,
            liveMs.p99,
            liveMs.mean,
          ],
          [
            'polling only',
            `${SAMPLED_POLL_MS / 1000} s`,
            `measured, n=${pollMs.n}`,
            pollMs.p50,
            pollMs.p99,
            pollMs.mean,
          ],
          [
            'polling only (default)',
            `${DEFAULT_POLL_MS / 1000} s`,
            'analytic: uniform wait + live p50',
            expected(0.5),
            expected(0.99),
            expected(0.5),
          ],
        ],
      ),
      '',
      'The default-interval row is computed, not measured: a write waits on average half a pull',
      `interval (${DEFAULT_POLL_MS / 2000} s) for the next timed pull, plus the push/pull path of the live row.`,
    ].join('\n');
  } finally {
    await backend.destroy();
  }
}
