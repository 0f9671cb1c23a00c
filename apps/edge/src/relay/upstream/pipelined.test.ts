// The pipelined transaction against a real, throwaway PostgreSQL: all or nothing, and nothing after a failure.
import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type PostgresHandle, startPostgres } from '../../../../../test/harness/index.ts';
import { postgresClients } from '../pool/postgres.ts';
import { ConnectionClosed, pipelinedTransaction, TransactionAborted } from './pipelined.ts';

let cluster: PostgresHandle;
let admin: postgres.Sql;
/** One connection, as each client of the Relay's pool holds. */
let client: postgres.Sql;

beforeAll(async () => {
  cluster = await startPostgres();
  admin = postgres(cluster.url, { max: 1, onnotice: () => {} });
  client = postgres(cluster.url, { max: 1, onnotice: () => {} });
  await admin`create table if not exists pipelined (id int primary key)`;
}, 120_000);

afterAll(async () => {
  await client?.end({ timeout: 1 });
  await admin?.end({ timeout: 1 });
  await cluster?.destroy();
});

beforeEach(async () => {
  await admin`truncate pipelined`;
});

const ids = async () =>
  (await admin<{ id: number }[]>`select id from pipelined order by id`).map((r) => r.id);

describe('pipelinedTransaction', () => {
  it('commits what the work wrote, COMMIT pipelined behind the last statement, and bounds statements', async () => {
    const value = await pipelinedTransaction(client, 10_000, async (tx) => {
      const [timeout] = await tx<{ statement_timeout: string }[]>`show statement_timeout`;
      void tx`insert into pipelined values (1)`;
      await tx.commitWith(tx`insert into pipelined values (2)`);
      return timeout?.statement_timeout;
    });
    expect(value).toBe('10s');
    expect(await ids()).toEqual([1, 2]);
    // The connection was handed back in step: the next transaction runs on it.
    await pipelinedTransaction(client, 10_000, (tx) => tx.commitWith(tx`insert into pipelined values (3)`));
    expect(await ids()).toEqual([1, 2, 3]);
  });

  it('keeps nothing when the statement COMMIT was pipelined behind fails', async () => {
    const failing = pipelinedTransaction(client, 10_000, async (tx) => {
      await tx`insert into pipelined values (1)`;
      return tx.commitWith(tx`insert into pipelined values (1)`);
    });
    await expect(failing).rejects.toMatchObject({ name: 'PostgresError', code: '23505' });
    expect(await ids()).toEqual([]);
    await pipelinedTransaction(client, 10_000, (tx) => tx.commitWith(tx`insert into pipelined values (4)`));
    expect(await ids()).toEqual([4]);
  });

  it('rolls back when the work refuses (a mutation gap) after writing', async () => {
    const refused = pipelinedTransaction(client, 10_000, async (tx) => {
      await tx`insert into pipelined values (1)`;
      throw new Error('mutation_gap');
    });
    await expect(refused).rejects.toThrow('mutation_gap');
    expect(await ids()).toEqual([]);
  });

  it('never sends a statement after one failed', async () => {
    const sent = pipelinedTransaction(client, 10_000, async (tx) => {
      await tx`select 1 / 0`.catch(() => null);
      await tx`insert into pipelined values (5)`;
    });
    await expect(sent).rejects.toMatchObject({ code: '22012' });
    expect(await ids()).toEqual([]);
  });

  it('answers a statement beyond the timeout with 57014', async () => {
    const slow = pipelinedTransaction(client, 200, (tx) => tx`select pg_sleep(5)`);
    await expect(slow).rejects.toMatchObject({ code: '57014' });
  });

  it('never runs the rest of the work outside the transaction once the connection is lost', async () => {
    const own = postgres(cluster.url, { max: 1, onnotice: () => {} });
    try {
      const lost = pipelinedTransaction(own, 10_000, async (tx) => {
        const [me] = await tx<{ pid: number }[]>`select pg_backend_pid() as pid`;
        await admin`select pg_terminate_backend(${me?.pid ?? 0})`;
        await tx`select 1`.catch(() => null);
        // postgres.js would open a new connection for this one: it must not be sent at all.
        return tx.commitWith(tx`insert into pipelined values (6)`);
      });
      await expect(lost).rejects.not.toBeInstanceOf(TransactionAborted);
      await expect(lost).rejects.toBeDefined();
      expect(await ids()).toEqual([]);
    } finally {
      await own.end({ timeout: 0 });
    }
  });

  it('sends nothing more once the connection closed while idle between two statements', async () => {
    let closed = 0;
    const factory = postgresClients(cluster.url, { idleTimeoutMs: 300_000, connectTimeoutMs: 5000 });
    const own = factory.create(0, {
      query: () => {},
      closed: () => {
        closed += 1;
      },
    });
    try {
      const lost = pipelinedTransaction(own, 10_000, async (tx) => {
        const [me] = await tx<{ pid: number }[]>`select pg_backend_pid() as pid`;
        await admin`select pg_terminate_backend(${me?.pid ?? 0})`;
        for (let i = 0; i < 100 && closed === 0; i++) await new Promise((r) => setTimeout(r, 20));
        return tx.commitWith(tx`insert into pipelined values (7)`);
      });
      await expect(lost).rejects.toBeInstanceOf(ConnectionClosed);
      expect(closed).toBe(1);
      expect(await ids()).toEqual([]);
    } finally {
      await factory.destroy(own);
    }
  });
});
