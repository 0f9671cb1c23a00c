// Compaction steps against a real PostgreSQL whose change log grew after the connection had run
// them on a small log (a prepared statement switches to a generic plan after five runs): a step
// must read about its batch, not the log. As an EXISTS joined with the log, the superseded step
// read all 52,050 rows here in every step, which made a round quadratic in the log's size.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresHandle, startPostgres } from '../../../../../test/harness/index.ts';
import { rowsRead } from '../../../test/rows-read.ts';
import { pipelinedTransaction } from '../upstream/pipelined.ts';
import { removeSuperseded, removeTombstones } from './steps.ts';

const BATCH = 1_000;
const SPEAKERS = 1_000;
const TOMBSTONES = 100;
let cluster: PostgresHandle;
let admin: postgres.Sql;
let session: postgres.Sql;

/** `count` changes from seq `from` on, round-robin over the tenant's speakers. */
const addChanges = (from: number, count: number) =>
  admin`insert into changes (tenant_id, seq, speaker_id, content_hash, device_id, mutation_id)
    select 't', g, 's-' || (g % ${SPEAKERS}), 'h', 'd', g
    from generate_series(${from}::int, ${from + count - 1}::int) g`;

const inTransaction = <T>(
  work: (tx: Parameters<Parameters<typeof pipelinedTransaction>[2]>[0]) => Promise<T>,
) => pipelinedTransaction(session, 10_000, work);

beforeAll(async () => {
  cluster = await startPostgres();
  admin = postgres(cluster.url, { max: 1, onnotice: () => {} });
  session = postgres(cluster.url, { max: 1, onnotice: () => {} });
  await admin`insert into tenants (id) values ('t')`;
  await addChanges(1, 50);
  // Run on a small log often enough for generic plans, then the log grows.
  for (let k = 0; k < 8; k++) {
    await inTransaction((tx) => removeSuperseded(tx, 0, BATCH));
    await inTransaction((tx) => removeTombstones(tx, 0, BATCH));
  }
  await addChanges(100_000, 50_000);
  // 20,000 live profiles and, among the log's speakers, 100 tombstones past any retention.
  await admin`insert into profiles (tenant_id, speaker_id, name, embedding, total_samples, content_hash,
      updated_at, updated_by, deleted)
    select 't', 'live-' || g, 'live', decode(repeat('00', 768), 'hex'), 1, 'h', 10, 'd', false
    from generate_series(1, 20000) g
    union all
    select 't', 's-' || g, '', '', 1, 'h', 10, 'd', true from generate_series(1, ${TOMBSTONES}::int) g`;
}, 120_000);

afterAll(async () => {
  await session?.end({ timeout: 1 });
  await admin?.end({ timeout: 1 });
  await cluster?.destroy();
});

describe('compaction on a log that grew after its plans were cached', () => {
  it('a superseded step reads about three times its batch, not the log', async () => {
    let step = { last: 0, removed: 0 };
    const rows = await rowsRead(session, ['changes'], async () => {
      step = await inTransaction((tx) => removeSuperseded(tx, 0, BATCH));
    });
    // Every change of the first 1,000 has a newer one (50,000 changes over 1,000 speakers).
    expect(step.removed).toBe(BATCH);
    expect(step.last).toBeGreaterThan(0);
    // The scan, one probe for a newer change and one delete by key per scanned change.
    expect(rows).toBeGreaterThanOrEqual(BATCH);
    expect(rows).toBeLessThan(5 * BATCH);
  });

  it('a tombstone step reads the tombstones it removes, not the live profiles', async () => {
    let removed = 0;
    const rows = await rowsRead(session, ['profiles'], async () => {
      removed = await inTransaction((tx) => removeTombstones(tx, Date.now(), BATCH));
    });
    expect(removed).toBe(TOMBSTONES);
    // Found through the partial index and deleted by key: about twice the tombstones.
    expect(rows).toBeGreaterThanOrEqual(TOMBSTONES);
    expect(rows).toBeLessThan(10 * TOMBSTONES);
    const [left] = await admin<{ n: number }[]>`select count(*)::int as n from profiles where deleted`;
    expect(left?.n).toBe(0);
  });

  it('a whole round removes everything superseded and keeps one change per live speaker', async () => {
    let after = 0;
    do after = (await inTransaction((tx) => removeSuperseded(tx, after, BATCH))).last;
    while (after !== 0);
    const [row] = await admin<{ rows: number; speakers: number }[]>`
      select count(*)::int as rows, count(distinct speaker_id)::int as speakers from changes`;
    expect(row).toEqual({ rows: SPEAKERS - TOMBSTONES, speakers: SPEAKERS - TOMBSTONES });
  });
});
