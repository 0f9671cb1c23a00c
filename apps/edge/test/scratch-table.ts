// Node-only test support: a throwaway PostgreSQL with one table of ids, emptied before each test, and
// two single-connection clients (an admin that looks, a client under test, as each pool client holds).
import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type PostgresHandle, startPostgres } from '../../../test/harness/index.ts';

export interface ScratchTable {
  readonly url: string;
  readonly admin: postgres.Sql;
  readonly client: postgres.Sql;
  /** The table's ids, in order, as the admin sees them (committed rows only). */
  ids(): Promise<number[]>;
}

/** Registers the suite's hooks; the returned object's fields are set once `beforeAll` ran. */
export function scratchTable(table: string, options: { migrate?: boolean } = {}): ScratchTable {
  let cluster: PostgresHandle | undefined;
  const scratch = {
    url: '',
    admin: undefined as unknown as postgres.Sql,
    client: undefined as unknown as postgres.Sql,
    ids: async () =>
      (await scratch.admin<{ id: number }[]>`select id from ${scratch.admin(table)} order by id`).map(
        (row) => row.id,
      ),
  };
  beforeAll(async () => {
    cluster = await startPostgres(options.migrate === false ? { migrate: false } : {});
    scratch.url = cluster.url;
    scratch.admin = postgres(cluster.url, { max: 1, onnotice: () => {} });
    scratch.client = postgres(cluster.url, { max: 1, onnotice: () => {} });
    await scratch.admin`create table if not exists ${scratch.admin(table)} (id int primary key)`;
  }, 120_000);
  afterAll(async () => {
    await scratch.client?.end({ timeout: 1 });
    await scratch.admin?.end({ timeout: 1 });
    await cluster?.destroy();
  });
  beforeEach(async () => {
    await scratch.admin`truncate ${scratch.admin(table)}`;
  });
  return scratch;
}
