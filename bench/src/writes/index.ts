// Local durable write latency: a voicesync PUT (profile + outbox in one libSQL transaction) beside
// a bare single-row libSQL insert on the same disk, with synchronous FULL and NORMAL, and the PUT
// again on SQLite's own 2 MiB cache without mmap beside the agent's 64 MiB cache + 256 MiB mmap.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { float32ToBytes, Priority } from '@voicesync/core';
import { ProfileStore } from '../../../apps/agent/src/profiles/index.ts';
import { openStore } from '../../../apps/agent/src/store/index.ts';
import { summarize, table } from '../stats/index.ts';

const COUNT = Number(process.env.BENCH_WRITES ?? 3000);

function vector(seed: number): Float32Array {
  const v = new Float32Array(192);
  for (let i = 0; i < 192; i++) v[i] = Math.sin(seed * 31 + i);
  return v;
}

type Tuning = 'agent' | 'sqlite';

async function measure(synchronous: 'FULL' | 'NORMAL', tuning: Tuning = 'agent') {
  const dir = mkdtempSync(join(tmpdir(), 'voicesync-bench-'));
  try {
    const sqliteDefaults = tuning === 'sqlite' ? { cacheMiB: 0, mmapMiB: 0 } : {};
    const store = await openStore(join(dir, 'agent.db'), { synchronous, ...sqliteDefaults });
    const profiles = new ProfileStore(store);
    const put: number[] = [];
    const started = performance.now();
    for (let i = 0; i < COUNT; i++) {
      const t = performance.now();
      await profiles.put(
        `s${i % 1000}-${Math.floor(i / 1000)}`,
        { name: `S${i}`, embedding: vector(i) },
        Priority.NORMAL,
      );
      put.push((performance.now() - t) * 1000);
    }
    const seconds = (performance.now() - started) / 1000;
    await store.client.execute('CREATE TABLE bare (id TEXT PRIMARY KEY, embedding BLOB)');
    const bare: number[] = [];
    for (let i = 0; i < COUNT; i++) {
      const t = performance.now();
      await store.client.execute({
        sql: 'INSERT INTO bare VALUES (?, ?)',
        args: [`b${i}`, float32ToBytes(vector(i))],
      });
      bare.push((performance.now() - t) * 1000);
    }
    store.close();
    return { put: summarize(put), bare: summarize(bare), rate: COUNT / seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchWrites(): Promise<string> {
  const rows: Array<Array<string | number>> = [];
  for (const mode of ['FULL', 'NORMAL'] as const) {
    const r = await measure(mode);
    // Right after, on the same disk and load: the same PUTs on SQLite's defaults.
    const sqlite = await measure(mode, 'sqlite');
    rows.push([
      `voicesync PUT (profile + outbox, one tx), synchronous=${mode}`,
      r.put.p50,
      r.put.p99,
      r.rate,
    ]);
    rows.push([
      `bare libSQL single-row INSERT, synchronous=${mode}`,
      r.bare.p50,
      r.bare.p99,
      1e6 / r.bare.mean,
    ]);
    rows.push([
      `voicesync PUT, synchronous=${mode}, SQLite's 2 MiB cache and no mmap`,
      sqlite.put.p50,
      sqlite.put.p99,
      sqlite.rate,
    ]);
  }
  return `## Local durable writes (${COUNT} each, 192-d, this machine's disk)\n\n${table(
    ['operation', 'p50 µs', 'p99 µs', 'writes/s'],
    rows,
  )}\n\nTargets: PUT p50 < 1000 µs and p99 < 5000 µs.`;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await benchWrites());
