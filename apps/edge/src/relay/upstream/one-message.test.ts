// The one-message transaction against a real, throwaway PostgreSQL: all or nothing, bounded, in step after a failure.
import fc from 'fast-check';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { scratchTable } from '../../../test/scratch-table.ts';
import { integerLiteral, oneMessageTransaction, textLiteral } from './one-message.ts';
import type { ResultSet } from './release.ts';

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

  it('answers rows of its own and leaves the finished query and its results empty (the runtime keeps them alive)', async () => {
    let query: (PromiseLike<ResultSet[]> & Record<string, unknown>) | undefined;
    // The client as it is, but the query it builds is kept for a look afterwards.
    const watched = new Proxy(scratch.client, {
      get(target, key, receiver) {
        const value: unknown = Reflect.get(target, key, receiver);
        if (key !== 'unsafe' || typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          query = (value as (...a: unknown[]) => typeof query).apply(target, args);
          return query;
        };
      },
    });
    const text = 'x'.repeat(5_000);
    const rows = await oneMessageTransaction<{ id: number; text: string }>(
      watched,
      10_000,
      `select id, ${textLiteral(text)} as text from generate_series(1, 3) as id order by id`,
    );
    expect(rows.map((row) => [row.id, row.text === text])).toEqual([
      [1, true],
      [2, true],
      [3, true],
    ]);
    expect(query).toBeDefined();
    expect([query?.strings, query?.string, query?.statement]).toEqual([undefined, undefined, null]);
    // Awaited again, the query answers the same results: emptied, rows and statement.
    const answers = (await query) ?? [];
    expect(answers.length).toBeGreaterThan(0);
    for (const set of answers) expect([set.length, set.statement]).toEqual([0, null]);
  });
});

describe('literals for a one-message statement', () => {
  it('reads back any text exactly, quotes, backslashes and dollar signs included, whatever standard_conforming_strings says', async () => {
    const hostile = [
      "'",
      '\\',
      "\\'",
      "'; drop table one_message; --",
      '$$',
      "E'",
      'é😀',
      '\n\t',
      "''\\\\''",
    ];
    const texts = [
      ...hostile,
      ...fc.sample(fc.string({ unit: 'binary', maxLength: 40 }), { numRuns: 300, seed: 7 }),
    ]
      // PostgreSQL text holds no NUL; a lone surrogate is not text PostgreSQL could have sent.
      .filter((text) => !text.includes('\0') && text.isWellFormed());
    for (const conforming of ['on', 'off']) {
      const select = texts
        .map((text, i) => `select ${i} as i, ${textLiteral(text)} as v`)
        .join(' union all ');
      const rows = await oneMessageTransaction<{ i: number; v: string }>(
        scratch.client,
        10_000,
        `set local standard_conforming_strings = ${conforming}; ${select} order by i`,
      );
      expect(rows.map((row) => row.v)).toEqual(texts);
    }
    expect(await ids()).toEqual([]);
  });

  it('refuses NUL in text, and anything but a whole number from 0 up', () => {
    expect(() => textLiteral('a\0b')).toThrow(/NUL/);
    expect(integerLiteral(0)).toBe('0');
    expect(integerLiteral(9_007_199_254_740_991)).toBe('9007199254740991');
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expect(() => integerLiteral(bad)).toThrow(/whole number/);
    }
  });
});
