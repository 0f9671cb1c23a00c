// The one-message transaction against a real, throwaway PostgreSQL: all or nothing, bounded, in step after a failure.
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { scratchTable } from '../../../test/scratch-table.ts';
import { oneMessageTransaction } from './one-message.ts';

const scratch = scratchTable('one_message', { migrate: false });
const ids = () => scratch.ids();

describe('oneMessageTransaction', () => {
  it('commits the statement and answers its rows, inside a transaction bounded by the timeout', async () => {
    const rows = await oneMessageTransaction<{ id: number; timeout: string }>(
      scratch.client,
      10_000,
      `with added as (insert into one_message values (1), (2) returning id)
       select id, current_setting('statement_timeout') as timeout from added order by id`,
    );
    expect(rows.map((row) => [row.id, row.timeout])).toEqual([
      [1, '10s'],
      [2, '10s'],
    ]);
    expect(await ids()).toEqual([1, 2]);
    // The SET was LOCAL: the connection's own setting is untouched afterwards.
    const [after] = await scratch.client<{ statement_timeout: string }[]>`show statement_timeout`;
    expect(after?.statement_timeout).toBe('0');
  });

  it('keeps nothing of a failed statement and leaves the connection in step for the next one', async () => {
    await scratch.admin`insert into one_message values (3)`;
    const failing = oneMessageTransaction(
      scratch.client,
      10_000,
      'with added as (insert into one_message values (4), (3) returning id) select id from added',
    );
    await expect(failing).rejects.toMatchObject({ name: 'PostgresError', code: '23505' });
    expect(await ids()).toEqual([3]);
    // Were the failed transaction still open, this would fail with 25P02.
    await oneMessageTransaction(scratch.client, 10_000, 'insert into one_message values (5) returning id');
    expect(await ids()).toEqual([3, 5]);
  });

  it('answers a statement beyond the timeout with 57014 and keeps nothing', async () => {
    const slow = oneMessageTransaction(
      scratch.client,
      200,
      'with added as (insert into one_message values (6) returning id) select pg_sleep(5), id from added',
    );
    await expect(slow).rejects.toMatchObject({ code: '57014' });
    expect(await ids()).toEqual([]);
  });

  it('sends nothing more once the connection is lost, and nothing of the statement is kept', async () => {
    const own = postgres(scratch.url, { max: 1, onnotice: () => {} });
    try {
      const [me] = await own<{ pid: number }[]>`select pg_backend_pid() as pid`;
      const lost = oneMessageTransaction(
        own,
        10_000,
        `with added as (insert into one_message values (7) returning id)
         select pg_terminate_backend(${me?.pid ?? 0}), id from added`,
      );
      await expect(lost).rejects.toBeDefined();
      expect(await ids()).toEqual([]);
    } finally {
      await own.end({ timeout: 0 });
    }
  });
});
