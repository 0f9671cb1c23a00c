import { describe, expect, it } from 'vitest';
import { tempStore } from '../testing/index.ts';

async function table() {
  const store = await tempStore();
  await store.client.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b BLOB)');
  return store;
}

describe('Db', () => {
  it('binds a lone blob positionally and returns its bytes unchanged', async () => {
    const store = await table();
    const floats = Float32Array.from([1.5, -2, Number.MIN_VALUE, 3.25]);
    // A lone object argument is taken for named parameters by the driver (and a blob crashed it).
    await store.client.execute({
      sql: 'INSERT INTO t (b) VALUES (?)',
      args: [new Uint8Array(floats.buffer)],
    });
    await store.client.execute({ sql: 'INSERT INTO t (b) VALUES (?)', args: [floats.buffer] });
    await store.client.execute({
      sql: 'INSERT INTO t (b) VALUES (?)',
      args: [new Uint8Array(floats.buffer, 4, 8)],
    });
    const rows = (await store.client.execute('SELECT b FROM t ORDER BY id')).rows;
    expect(rows.map((row) => [...new Uint8Array(row.b as ArrayBuffer)])).toEqual([
      [...new Uint8Array(floats.buffer)],
      [...new Uint8Array(floats.buffer)],
      [...new Uint8Array(floats.buffer, 4, 8)],
    ]);
    store.cleanup();
  });

  it('stores booleans as 0/1 and refuses non-finite numbers and undefined with a clear error', async () => {
    const store = await table();
    await store.client.execute({ sql: 'INSERT INTO t (a) VALUES (?)', args: [true] });
    await store.client.execute({ sql: 'INSERT INTO t (a) VALUES (?)', args: [false] });
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY])
      await expect(
        store.client.execute({ sql: 'INSERT INTO t (a) VALUES (?)', args: [bad] }),
      ).rejects.toThrow(/cannot store/);
    await expect(
      store.client.execute({ sql: 'INSERT INTO t (a) VALUES (?)', args: [undefined as never] }),
    ).rejects.toThrow(/undefined is not a SQL value/);
    const rows = (await store.client.execute('SELECT a FROM t ORDER BY id')).rows;
    expect(rows.map((row) => row.a)).toEqual([1, 0]);
    store.cleanup();
  });

  it('commits a batch whole or not at all, and stays usable after a failed one', async () => {
    const store = await table();
    const results = await store.client.batch(
      [
        { sql: 'INSERT INTO t (id, a) VALUES (?, ?)', args: [1, 10] },
        { sql: 'UPDATE t SET a = a + 1 WHERE id >= ?', args: [0] },
        'SELECT a FROM t',
      ],
      'write',
    );
    expect(results.map((r) => r.rowsAffected)).toEqual([1, 1, 0]);
    expect(results[2]?.rows).toEqual([{ a: 11 }]);
    await expect(
      store.client.batch(
        [
          { sql: 'INSERT INTO t (id, a) VALUES (?, ?)', args: [2, 20] },
          { sql: 'INSERT INTO t (id, a) VALUES (?, ?)', args: [1, 30] }, // primary key taken
        ],
        'write',
      ),
    ).rejects.toThrow(/UNIQUE/);
    expect((await store.client.execute('SELECT id, a FROM t')).rows).toEqual([{ id: 1, a: 11 }]);
    await store.client.batch([{ sql: 'INSERT INTO t (id, a) VALUES (?, ?)', args: [2, 20] }], 'write');
    expect((await store.client.execute('SELECT COUNT(*) AS n FROM t')).rows[0]?.n).toBe(2);
    store.cleanup();
  });

  it('answers correctly past its statement cache (more distinct texts than it keeps)', async () => {
    const store = await table();
    await store.client.execute({ sql: 'INSERT INTO t (id, a) VALUES (?, ?)', args: [1, 7] });
    for (let round = 0; round < 2; round++)
      for (let i = 0; i < 600; i++) {
        const rs = await store.client.execute({ sql: `SELECT a + ${i} AS v FROM t WHERE id = ?`, args: [1] });
        expect(rs.rows[0]?.v).toBe(7 + i);
      }
    store.cleanup();
  });
});
