// Self-tests of the Postgres harness: lifecycle, crash and restart on the same port, counting.
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countConnections,
  migrationModulePath,
  type PostgresHandle,
  sampleConnections,
  startPostgres,
} from './index.ts';

const quiet = { onnotice: () => {}, connect_timeout: 2 } as const;

async function refused(url: string): Promise<string | undefined> {
  const sql = postgres(url, { ...quiet, max: 1 });
  try {
    await sql`select 1`;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

// Starting clusters takes seconds on a loaded 2-core machine; vitest's defaults are 5 s / 10 s.
describe('startPostgres (real PostgreSQL)', { timeout: 60_000 }, () => {
  let pg: PostgresHandle;

  beforeAll(async () => {
    pg = await startPostgres({ migrate: false, maxConnections: 20 });
  }, 60_000);
  afterAll(async () => {
    await pg?.destroy();
  });

  it('serves the voicesync database on its port', async () => {
    expect(pg.isFallback).toBe(false);
    expect(pg.url).toBe(`postgres://postgres@127.0.0.1:${pg.port}/voicesync`);
    const sql = postgres(pg.url, quiet);
    const [row] =
      await sql`select current_database() as db, current_setting('max_connections') as max, current_setting('fsync') as fsync`;
    expect(row).toEqual({ db: 'voicesync', max: '20', fsync: 'off' });
    await sql`create table kept (id int primary key, note text)`;
    await sql`insert into kept values (1, 'before the crash')`;
    await sql.end({ timeout: 1 });
  });

  it('kill() refuses connections; start() comes back on the same port with the data', async () => {
    const held = postgres(pg.url, { ...quiet, max: 1 });
    await held`select 1`;
    await pg.kill();
    expect(await refused(pg.url)).toBe('ECONNREFUSED');
    await expect(held`select 1`).rejects.toThrow();
    await pg.start();
    const sql = postgres(pg.url, quiet);
    expect(await sql`select note from kept where id = 1`).toEqual([{ note: 'before the crash' }]);
    await sql.end({ timeout: 1 });
    await held.end({ timeout: 1 });
  });

  it('stop() is graceful and restart() brings it back', async () => {
    await pg.stop();
    expect(await refused(pg.url)).toBe('ECONNREFUSED');
    await pg.stop();
    await pg.restart();
    expect(await refused(pg.url)).toBeUndefined();
  });

  it('countConnections sees 3 open connections as 3; the sampler records the peak', async () => {
    const sampler = sampleConnections(pg.url, 10);
    const sql = postgres(pg.url, { ...quiet, max: 3, connection: { application_name: 'self-test' } });
    await Promise.all([1, 2, 3].map(() => sql`select pg_sleep(0.1)`));
    expect(await countConnections(pg.url)).toBe(3);
    expect(await countConnections(pg.adminUrl, { applicationName: 'self-test' })).toBe(3);
    expect(await countConnections(pg.url, { applicationName: 'someone-else' })).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await sql.end({ timeout: 1 });
    const { max, samples, errors } = await sampler.stop();
    expect(max).toBe(3);
    expect(samples).toBeGreaterThan(5);
    expect(errors).toBe(0);
    expect(await countConnections(pg.url)).toBe(0);
  });

  it('destroy() removes the cluster directory', async () => {
    const other = await startPostgres({ migrate: false });
    const dir = dirname(other.logPath ?? '');
    expect(existsSync(dir)).toBe(true);
    await other.destroy();
    expect(existsSync(dir)).toBe(false);
    expect(await refused(other.url)).toBe('ECONNREFUSED');
  });

  it.skipIf(!existsSync(migrationModulePath))('applies the schema migrations by default', async () => {
    const migrated = await startPostgres();
    try {
      const sql = postgres(migrated.url, quiet);
      const [row] =
        await sql`select count(*)::int as n from information_schema.tables where table_schema = 'public'`;
      await sql.end({ timeout: 1 });
      expect(row?.n).toBeGreaterThan(0);
    } finally {
      await migrated.destroy();
    }
  });
});

describe('startPostgres fallback (PGlite over pglite-socket)', { timeout: 60_000 }, () => {
  let pg: PostgresHandle;

  beforeAll(async () => {
    pg = await startPostgres({ engine: 'pglite', migrate: false });
  }, 60_000);
  afterAll(async () => {
    await pg?.destroy();
  });

  it('speaks the wire protocol, survives kill() + start() with its data, and counts connections', async () => {
    expect(pg.isFallback).toBe(true);
    const sql = postgres(pg.url, { ...quiet, max: 3 });
    await sql`create table kept (id int primary key)`;
    await sql`insert into kept values (7)`;
    await Promise.all([1, 2, 3].map(() => sql`select pg_sleep(0.05)`));
    expect(await countConnections(pg.url)).toBe(3);
    await pg.kill();
    await sql.end({ timeout: 1 });
    expect(await refused(pg.url)).toBe('ECONNREFUSED');
    await pg.start();
    // A fresh client: postgres.js may hand a query to a pooled socket whose close it has not seen yet.
    const after = postgres(pg.url, { ...quiet, max: 1 });
    expect(await after`select id from kept`).toEqual([{ id: 7 }]);
    await after.end({ timeout: 1 });
  });
});
