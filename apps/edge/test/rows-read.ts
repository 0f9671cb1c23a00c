// How many rows of some tables one PostgreSQL session read while a piece of work ran: by any index,
// or scanned. For tests that a statement reads in proportion to its request, not to the table.
import type postgres from 'postgres';

async function counted(session: postgres.Sql, tables: string[]): Promise<number> {
  // The session's counters reach the shared statistics when it next goes idle.
  await session`select pg_stat_force_next_flush()`;
  const [row] = await session<{ n: string }[]>`
    select (select coalesce(sum(idx_tup_read), 0) from pg_stat_user_indexes where relname in ${session(tables)})
         + (select coalesce(sum(seq_tup_read), 0) from pg_stat_user_tables where relname in ${session(tables)}) as n`;
  return Number(row?.n);
}

/** Rows of `tables` that `session` (one connection) read while `work` ran on it. */
export async function rowsRead(
  session: postgres.Sql,
  tables: string[],
  work: () => Promise<unknown>,
): Promise<number> {
  const before = await counted(session, tables);
  await work();
  return (await counted(session, tables)) - before;
}
