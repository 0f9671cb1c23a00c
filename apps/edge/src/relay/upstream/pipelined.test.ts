// The pipelined transaction against a real, throwaway PostgreSQL: all or nothing, and nothing after a failure.
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { scratchTable } from '../../../test/scratch-table.ts';
import { postgresClients } from '../pool/postgres.ts';
import { ConnectionClosed, pipelinedTransaction, TransactionAborted } from './pipelined.ts';

const scratch = scratchTable('pipelined');
const ids = () => scratch.ids();

describe('pipelinedTransaction', () => {
  it('commits what the work wrote, COMMIT pipelined behind the last statement, and bounds statements', async () => {
    const value = await pipelinedTransaction(scratch.client, 10_000, async (tx) => {
      const [timeout] = await tx<{ statement_timeout: string }[]>`show statement_timeout`;
      void tx`insert into pipelined values (1)`;
      await tx.commitWith(tx`insert into pipelined values (2)`);
      return timeout?.statement_timeout;
    });
    expect(value).toBe('10s');
    expect(await ids()).toEqual([1, 2]);
    // The connection was handed back in step: the next transaction runs on it.
    await pipelinedTransaction(scratch.client, 10_000, (tx) =>
      tx.commitWith(tx`insert into pipelined values (3)`),
    );
    expect(await ids()).toEqual([1, 2, 3]);
  });

  it('keeps nothing when the statement COMMIT was pipelined behind fails', async () => {
    const failing = pipelinedTransaction(scratch.client, 10_000, async (tx) => {
      await tx`insert into pipelined values (1)`;
      return tx.commitWith(tx`insert into pipelined values (1)`);
    });
    await expect(failing).rejects.toMatchObject({ name: 'PostgresError', code: '23505' });
    expect(await ids()).toEqual([]);
    await pipelinedTransaction(scratch.client, 10_000, (tx) =>
      tx.commitWith(tx`insert into pipelined values (4)`),
    );
    expect(await ids()).toEqual([4]);
  });

  it('rolls back when the work refuses (a mutation gap) after writing', async () => {
    const refused = pipelinedTransaction(scratch.client, 10_000, async (tx) => {
      await tx`insert into pipelined values (1)`;
      throw new Error('mutation_gap');
    });
    await expect(refused).rejects.toThrow('mutation_gap');
    expect(await ids()).toEqual([]);
  });

  it('never sends a statement after one failed', async () => {
    const sent = pipelinedTransaction(scratch.client, 10_000, async (tx) => {
      await tx`select 1 / 0`.catch(() => null);
      await tx`insert into pipelined values (5)`;
    });
    await expect(sent).rejects.toMatchObject({ code: '22012' });
    expect(await ids()).toEqual([]);
  });

  it('answers a statement beyond the timeout with 57014', async () => {
    const slow = pipelinedTransaction(scratch.client, 200, (tx) => tx`select pg_sleep(5)`);
    await expect(slow).rejects.toMatchObject({ code: '57014' });
  });

  it('never runs the rest of the work outside the transaction once the connection is lost', async () => {
    const own = postgres(scratch.url, { max: 1, onnotice: () => {} });
    try {
      const lost = pipelinedTransaction(own, 10_000, async (tx) => {
        const [me] = await tx<{ pid: number }[]>`select pg_backend_pid() as pid`;
        await scratch.admin`select pg_terminate_backend(${me?.pid ?? 0})`;
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
    const factory = postgresClients(scratch.url, { idleTimeoutMs: 300_000, connectTimeoutMs: 5000 });
    const own = factory.create(0, {
      query: () => {},
      closed: () => {
        closed += 1;
      },
    });
    try {
      const lost = pipelinedTransaction(own, 10_000, async (tx) => {
        const [me] = await tx<{ pid: number }[]>`select pg_backend_pid() as pid`;
        await scratch.admin`select pg_terminate_backend(${me?.pid ?? 0})`;
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
  it('lets go of each settled statement’s text and arguments, not of the rows it answered (the runtime keeps finished queries alive)', async () => {
    const text = 'x'.repeat(5_000);
    const issued: Array<Promise<unknown> & Record<string, unknown>> = [];
    const value = await pipelinedTransaction(scratch.client, 10_000, async (tx) => {
      const read = tx<
        { id: number; text: string }[]
      >`select id, ${text}::text as text from generate_series(1, 2) as id order by id`;
      const failed = tx`select ${text}::text, 1 / 0`;
      issued.push(read as never, failed as never);
      const rows = await read;
      await failed.catch(() => null);
      return rows;
    }).catch((error: unknown) => error);
    // The division by zero ended the transaction; the rows the work read before it are whole.
    expect(value).toMatchObject({ code: '22012' });
    const [read, failed] = issued;
    expect((await read) as unknown).toEqual([
      { id: 1, text },
      { id: 2, text },
    ]);
    for (const query of [read, failed]) {
      expect(query).toBeDefined();
      expect([query?.strings, query?.string, query?.args, query?.parameters, query?.statement]).toEqual([
        undefined,
        undefined,
        undefined,
        undefined,
        null,
      ]);
    }
  });
});
