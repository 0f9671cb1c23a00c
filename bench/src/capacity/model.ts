// The capacity model: from a population and measured per-request costs to shards, the connection
// budget and its split, PostgreSQL's write rate, and the first documented limit it meets.

export interface Population {
  devices: number;
  writesPerDevicePerDay: number;
  /** Devices per tenant (a household): each push wakes the others, which pull once. */
  devicesPerTenant: number;
  /** Speakers enrolled per tenant: what the compacted change log keeps, one row each. */
  speakersPerTenant: number;
  /** Busiest hour over the daily mean. */
  peakFactor: number;
  /** Mutations per push (the outbox batches what piled up; CRITICAL/HIGH flush alone). */
  mutationsPerPush: number;
  /** Agent starts and notify reconnects per device per day, each a handshake. */
  handshakesPerDevicePerDay: number;
}

export interface Costs {
  /** Edge CPU-ms (Worker + Relay, as measured in workerd) per push of one mutation. */
  push1Ms: number;
  /** Edge CPU-ms per mutation within a 50-mutation push. */
  perMutationMs: number;
  pullMs: number;
  handshakeMs: number;
  /** How long one relay transaction holds a PostgreSQL connection (ms, incl. round trips). */
  txnMs: number;
}

export interface Limits {
  /** Requests/s one Relay shard is planned for (documented: ~1,000 soft, 500-750 for JSON work). */
  shardRps: number;
  /** Connections one Durable Object may hold for PostgreSQL: 6 simultaneous, one kept free. */
  sharePerShard: number;
  /** Origin connections the database accepts from the relay (Cloud SQL tier or Hyperdrive origin limit). */
  originConnections: number;
  /** Small write transactions/s the PostgreSQL primary is planned for (an assumption to measure). */
  pgWriteTxnPerSec: number;
}

export interface Capacity {
  writesPerSec: number;
  peakWritesPerSec: number;
  pushPerSec: number;
  pullPerSec: number;
  handshakePerSec: number;
  relayRps: number;
  edgeCpuCoresBusy: number;
  shards: number;
  connectionsNeeded: number;
  share: number;
  pgMax: number;
  pgWriteTxnPerSec: number;
  pgRowsPerSec: number;
  changeLogRows: number;
  changeLogRowsUncompactedPerYear: number;
  nextWall: string;
}

export function capacity(p: Population, c: Costs, l: Limits): Capacity {
  const writesPerSec = (p.devices * p.writesPerDevicePerDay) / 86_400;
  const peakWritesPerSec = writesPerSec * p.peakFactor;
  const pushPerSec = peakWritesPerSec / p.mutationsPerPush;
  const pullPerSec = pushPerSec * Math.max(0, p.devicesPerTenant - 1);
  const handshakePerSec = ((p.devices * p.handshakesPerDevicePerDay) / 86_400) * p.peakFactor;
  const relayRps = pushPerSec + pullPerSec + handshakePerSec;
  const pushCpuMs = c.push1Ms + (p.mutationsPerPush - 1) * c.perMutationMs;
  const edgeCpuMsPerSec = pushPerSec * pushCpuMs + pullPerSec * c.pullMs + handshakePerSec * c.handshakeMs;
  const shards = Math.max(1, Math.ceil(relayRps / l.shardRps));
  // Little's law: transactions in flight = rate x hold time; twice that absorbs bursts.
  const txnPerSec = relayRps;
  const connectionsNeeded = Math.max(1, Math.ceil(2 * txnPerSec * (c.txnMs / 1000)));
  const share = Math.min(l.sharePerShard, Math.max(1, Math.ceil(connectionsNeeded / shards)));
  const pgMax = share * shards;
  // Per push: the device row, the profile upserts, the change rows (conflicts are rare).
  const pgRowsPerSec = pushPerSec + 2 * peakWritesPerSec;
  // Shards are not a wall: they are added until each meets its planned rate.
  // Through Hyperdrive PG_MAX counts client connections; the origin sees at most its own limit,
  // each connection carrying 1000 / txnMs transactions a second.
  const originTxnPerSec = l.originConnections * (1000 / c.txnMs);
  const walls: Array<[number, string]> = [
    [
      txnPerSec / originTxnPerSec,
      `origin connections (${Math.round(txnPerSec)} txn/s of ${Math.round(originTxnPerSec)} on ${l.originConnections})`,
    ],
    [
      pushPerSec / l.pgWriteTxnPerSec,
      `PostgreSQL write transactions (${Math.round(pushPerSec)}/s of ${l.pgWriteTxnPerSec}/s)`,
    ],
    [
      connectionsNeeded / (shards * l.sharePerShard),
      `connections per shard (${connectionsNeeded} needed, ${shards} x ${l.sharePerShard})`,
    ],
  ];
  const [ratio, wall] = walls.sort((a, b) => b[0] - a[0])[0] ?? [0, ''];
  return {
    writesPerSec,
    peakWritesPerSec,
    pushPerSec,
    pullPerSec,
    handshakePerSec,
    relayRps,
    edgeCpuCoresBusy: edgeCpuMsPerSec / 1000,
    shards,
    connectionsNeeded,
    share,
    pgMax,
    pgWriteTxnPerSec: pushPerSec,
    pgRowsPerSec,
    changeLogRows: (p.devices / p.devicesPerTenant) * p.speakersPerTenant,
    changeLogRowsUncompactedPerYear: writesPerSec * 86_400 * 365,
    nextWall: `${wall}: ${Math.round(ratio * 100)} % used`,
  };
}
