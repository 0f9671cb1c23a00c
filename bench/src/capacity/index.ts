// `npm run bench -- capacity --devices N --writes-per-device-per-day W ...`: the capacity model
// for a population (and the worked rows of docs/capacity.md), from measured costs and cited limits.
import { parseArgs } from 'node:util';
import { format, table } from '../stats/index.ts';
import { type Capacity, type Costs, capacity, type Limits, type Population } from './model.ts';

/**
 * Measured by `npm run bench -- edge-cost` on the Worker's own socket (docs/capacity.md, round 5,
 * has the runs, date and machine): per-mutation is (push50 - push1) / 49.
 */
export const MEASURED: Costs = {
  push1Ms: 1.3,
  perMutationMs: 0.05,
  pullMs: 3.5,
  handshakeMs: 0.95,
  txnMs: 5,
};

const OPTIONS = {
  devices: { type: 'string' },
  'writes-per-device-per-day': { type: 'string', default: '20' },
  'devices-per-tenant': { type: 'string', default: '4' },
  'speakers-per-tenant': { type: 'string', default: '3' },
  'peak-factor': { type: 'string', default: '3' },
  'mutations-per-push': { type: 'string', default: '2' },
  'handshakes-per-device-per-day': { type: 'string', default: '6' },
  'shard-rps': { type: 'string', default: '400' },
  'origin-connections': { type: 'string', default: '100' },
  'pg-write-txn-per-sec': { type: 'string', default: '5000' },
  'push1-ms': { type: 'string', default: String(MEASURED.push1Ms) },
  'per-mutation-ms': { type: 'string', default: String(MEASURED.perMutationMs) },
  'pull-ms': { type: 'string', default: String(MEASURED.pullMs) },
  'handshake-ms': { type: 'string', default: String(MEASURED.handshakeMs) },
  'txn-ms': { type: 'string', default: String(MEASURED.txnMs) },
} as const;

function positive(values: Record<string, string | undefined>, name: string): number {
  const value = Number(values[name]);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`--${name} must be a positive number, got "${values[name]}"`);
  return value;
}

function row(label: string, c: Capacity): Array<string | number> {
  return [
    label,
    c.peakWritesPerSec,
    c.relayRps,
    c.edgeCpuCoresBusy,
    String(c.shards),
    `${c.pgMax} (${c.shards} x ${c.share})`,
    c.pgWriteTxnPerSec,
    c.changeLogRows,
    c.changeLogRowsUncompactedPerYear,
    c.nextWall,
  ];
}

export async function benchCapacity(argv = process.argv.slice(3)): Promise<string> {
  const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true });
  const v = values as Record<string, string | undefined>;
  const base: Omit<Population, 'devices'> = {
    writesPerDevicePerDay: positive(v, 'writes-per-device-per-day'),
    devicesPerTenant: positive(v, 'devices-per-tenant'),
    speakersPerTenant: positive(v, 'speakers-per-tenant'),
    peakFactor: positive(v, 'peak-factor'),
    mutationsPerPush: positive(v, 'mutations-per-push'),
    handshakesPerDevicePerDay: positive(v, 'handshakes-per-device-per-day'),
  };
  const costs: Costs = {
    push1Ms: positive(v, 'push1-ms'),
    perMutationMs: positive(v, 'per-mutation-ms'),
    pullMs: positive(v, 'pull-ms'),
    handshakeMs: positive(v, 'handshake-ms'),
    txnMs: positive(v, 'txn-ms'),
  };
  const limits: Limits = {
    shardRps: positive(v, 'shard-rps'),
    sharePerShard: 5,
    originConnections: positive(v, 'origin-connections'),
    pgWriteTxnPerSec: positive(v, 'pg-write-txn-per-sec'),
  };
  const populations = v.devices ? [positive(v, 'devices')] : [10_000, 1_000_000, 10_000_000];
  const rows = populations.map((devices) =>
    row(format(devices), capacity({ ...base, devices }, costs, limits)),
  );
  return [
    `capacity: ${base.writesPerDevicePerDay} writes/device/day, ${base.devicesPerTenant} devices and ${base.speakersPerTenant} speakers per tenant, peak x${base.peakFactor}, ${base.mutationsPerPush} mutations/push; shard planned at ${limits.shardRps} req/s, ${limits.originConnections} origin connections, ${limits.pgWriteTxnPerSec} write txn/s`,
    '',
    table(
      [
        'devices',
        'peak writes/s',
        'relay req/s',
        'edge CPU (cores)',
        'shards',
        'PG_MAX (shards x share)',
        'PG write txn/s',
        'change-log rows (compacted)',
        'rows/year uncompacted',
        'next wall',
      ],
      rows,
    ),
  ].join('\n');
}
