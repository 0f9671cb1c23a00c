// Migration 0002 on a database that already holds changes: every cursor an agent holds keeps its
// meaning (seq = id for old rows), and each tenant's counter continues above them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresHandle, startPostgres } from '../harness/index.ts';
import { repoPath } from '../harness/paths/index.ts';

let cluster: PostgresHandle;
let sql: postgres.Sql;

async function apply(name: string): Promise<void> {
  const text = readFileSync(join(repoPath('packages/schema/migrations/pg'), `${name}.sql`), 'utf8');
  for (const statement of text.split('--> statement-breakpoint')) {
    if (statement.trim()) await sql.unsafe(statement);
  }
}

beforeAll(async () => {
  cluster = await startPostgres({ migrate: false });
  sql = postgres(cluster.url, { max: 1, onnotice: () => {} });
  await apply('0000_init');
  await apply('0001_conflict_server_hash_nullable');
}, 120_000);

afterAll(async () => {
  await sql?.end({ timeout: 1 });
  await cluster?.destroy();
});

describe('0002_per_tenant_cursors on existing data', () => {
  it('keeps old cursors, numbers new changes per tenant above them', async () => {
    await sql`insert into tenants (id) values ('a'), ('b')`;
    // Interleaved history from the shared sequence: a=1,3  b=2,4,5.
    for (const tenant of ['a', 'b', 'a', 'b', 'b']) {
      await sql`insert into changes (tenant_id, speaker_id, content_hash, device_id, mutation_id)
        values (${tenant}, 's', 'h', 'd', 1)`;
    }
    await apply('0002_per_tenant_cursors');
    const rows = await sql<{ id: string; seq: string; tenant_id: string }[]>`
      select id, seq, tenant_id from changes order by id`;
    expect(rows.map((row) => [row.tenant_id, Number(row.seq)])).toEqual([
      ['a', 1],
      ['b', 2],
      ['a', 3],
      ['b', 4],
      ['b', 5],
    ]);
    const tenants = await sql<
      { id: string; change_seq: string }[]
    >`select id, change_seq from tenants order by id`;
    expect(tenants.map((t) => [t.id, Number(t.change_seq)])).toEqual([
      ['a', 5],
      ['b', 5],
    ]);
    // A duplicate (tenant, seq) is refused by the new unique index.
    await expect(
      sql`insert into changes (tenant_id, seq, speaker_id, content_hash, device_id, mutation_id)
        values ('a', 3, 's', 'h', 'd', 2)`,
    ).rejects.toThrow(/changes_tenant_seq/);
  });
});
