// `npm run bench -- push-sql`: voicesync_push inside PostgreSQL, as migration 0005 wrote it and as
// it is now, each in its own tenant that grows call by call on one connection (as a Relay's pooled
// connection sees it, plans cached). Calls alternate between the two, so both see the same load.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { repoPath, startPostgres } from '../../../test/harness/index.ts';
import { percentile, table } from '../stats/index.ts';

const CALLS = Number(process.env.BENCH_PUSH_SQL_CALLS ?? 600);
const BATCH = 50;
const EMBEDDING_B64 = Buffer.alloc(768, 7).toString('base64');
const HASH = 'a'.repeat(64);

const migration = (name: string) =>
  readFileSync(join(repoPath('packages/schema/migrations/pg'), name), 'utf8');

/** The argument of a push of `size` new speakers after mutation `last`. */
function argument(function_: string, last: number, size: number): string {
  const expect: Record<string, null> = {};
  const writes = [];
  const changes = [];
  for (let k = 0; k < size; k++) {
    const speaker = `s-${last + k + 1}`;
    expect[speaker] = null;
    writes.push({
      speaker_id: speaker,
      name: speaker,
      embedding_b64: EMBEDDING_B64,
      sample_sum_b64: null,
      acoustic_features: null,
      total_samples: 1,
      content_hash: HASH,
      version: 1,
      deleted: false,
      updated_at: 1,
    });
    changes.push({ position: k, speaker_id: speaker, content_hash: HASH, mutation_id: last + k + 1 });
  }
  const device = { deviceId: `d-${function_}`, tenantId: `t-${function_}` };
  return JSON.stringify({
    last,
    expect,
    lastMutationId: last + size,
    writes,
    conflicts: [],
    changes,
    ...device,
  });
}

export async function benchPushSql(): Promise<string> {
  const cluster = await startPostgres();
  const sql = postgres(cluster.url, { max: 1, onnotice: () => {} });
  try {
    // The 0005 function under another name beside the migrated one.
    await sql.unsafe(
      migration('0005_push_write.sql').replace(
        'CREATE FUNCTION "voicesync_push"',
        'CREATE FUNCTION "push_0005"',
      ),
    );
    const functions = ['push_0005', 'voicesync_push'];
    const last = new Map<string, number>();
    for (const name of functions) {
      await sql`insert into tenants (id) values (${`t-${name}`})`;
      await sql`insert into devices (id, tenant_id, secret_hash) values (${`d-${name}`}, ${`t-${name}`}, 'x')`;
      last.set(name, 0);
    }
    const ms = new Map(functions.map((name) => [name, [] as number[]]));
    for (let call = 0; call < CALLS; call++) {
      for (const name of functions) {
        const from = last.get(name) ?? 0;
        const text = `select applied from ${name}($$${argument(name, from, BATCH)}$$::jsonb)`;
        const started = performance.now();
        const [row] = await sql.unsafe(text).simple();
        ms.get(name)?.push(performance.now() - started);
        if (!(row as { applied?: boolean } | undefined)?.applied) throw new Error(`${name} wrote nothing`);
        last.set(name, from + BATCH);
      }
    }
    const band = (list: number[], from: number, to: number) => {
      const sorted = list.slice(from, to).sort((a, b) => a - b);
      return `${percentile(sorted, 0.5).toFixed(2)} / ${percentile(sorted, 0.9).toFixed(2)}`;
    };
    const tenth = Math.max(1, Math.floor(CALLS / 10));
    return [
      `push-sql: voicesync_push in PostgreSQL, ${CALLS} calls of ${BATCH} new speakers each per function, alternating, one connection; ms per call (p50 / p90)`,
      `${new Date().toISOString()}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
      '',
      table(
        [
          'function',
          `first ${tenth} calls (tenant < ${tenth * BATCH} profiles)`,
          `last ${tenth} calls (tenant ~${CALLS * BATCH})`,
        ],
        functions.map((name) => {
          const list = ms.get(name) ?? [];
          return [
            name === 'push_0005' ? 'as in 0005' : 'now (0006)',
            band(list, 0, tenth),
            band(list, CALLS - tenth, CALLS),
          ];
        }),
      ),
    ].join('\n');
  } finally {
    await sql.end({ timeout: 1 });
    await cluster.destroy();
  }
}
