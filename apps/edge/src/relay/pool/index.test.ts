import { ManualClock } from '@voicesync/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ClientEvents, type ClientFactory, Pool, type PoolOptions } from './index.ts';

interface FakeClient {
  id: number;
  slot: number;
  events: ClientEvents;
  destroyed: boolean;
}

function fakeClients() {
  const created: FakeClient[] = [];
  const factory: ClientFactory<FakeClient> = {
    create(slot, events) {
      const client = { id: created.length, slot, events, destroyed: false };
      created.push(client);
      return client;
    },
    destroy: async (client) => {
      client.destroyed = true;
    },
  };
  return { created, factory };
}

const options: PoolOptions = {
  max: 2,
  acquireTimeoutMs: 5000,
  maxQueriesPerConnection: 3,
  workTimeoutMs: 15_000,
};

function setup(overrides: Partial<PoolOptions> = {}) {
  const clients = fakeClients();
  const clock = new ManualClock(0);
  return { ...clients, clock, pool: new Pool(clients.factory, { ...options, ...overrides }, clock) };
}

const neverBroken = () => false;

describe('Pool', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('creates clients lazily and never more than max', async () => {
    const { pool, created } = setup();
    expect(created).toHaveLength(0);
    const a = await pool.acquire();
    const b = await pool.acquire();
    const waiting = pool.acquire();
    expect(created).toHaveLength(2);
    expect(pool.snapshot()).toMatchObject({ active: 2, waiting: 1 });
    a.release();
    const c = await waiting;
    expect(c.client).toBe(a.client);
    expect(created).toHaveLength(2);
    b.release();
    c.release();
    expect(pool.snapshot()).toMatchObject({ active: 0, waiting: 0 });
  });

  it('hands freed clients to waiters in FIFO order', async () => {
    const { pool } = setup({ max: 1 });
    const first = await pool.acquire();
    const order: number[] = [];
    const waiters = [1, 2, 3].map((n) =>
      pool.acquire().then((lease) => {
        order.push(n);
        return lease;
      }),
    );
    first.release();
    for (const waiter of waiters) (await waiter).release();
    expect(order).toEqual([1, 2, 3]);
  });

  it('rejects a waiter with pool_timeout after the acquire timeout, and forgets it', async () => {
    const { pool } = setup({ max: 1 });
    const held = await pool.acquire();
    const waiting = pool.acquire(1000);
    const assertion = expect(waiting).rejects.toMatchObject({
      code: 'pool_timeout',
      details: { retryAfterMs: 1000 },
    });
    await vi.advanceTimersByTimeAsync(1000);
    await assertion;
    expect(pool.snapshot()).toMatchObject({ waiting: 0, timeouts: 1 });
    held.release();
    expect(pool.snapshot().active).toBe(0);
  });

  it('recycles a client after maxQueriesPerConnection queries', async () => {
    const { pool, created } = setup({ max: 1 });
    const lease = await pool.acquire();
    for (let i = 0; i < 3; i++) created[0]!.events.query();
    lease.release();
    expect(created[0]!.destroyed).toBe(true);
    const next = await pool.acquire();
    expect(next.client).toBe(created[1]);
    expect(pool.snapshot()).toMatchObject({ recycled: 1, queries: 3 });
  });

  it('opens no new connection in a slot until its retired one has closed (bounded wait)', async () => {
    const { pool, created, factory } = setup({ max: 1 });
    const closes: Array<() => void> = [];
    factory.destroy = (client) =>
      new Promise<void>((resolve) => {
        closes.push(() => {
          client.destroyed = true;
          resolve();
        });
      });
    const lease = await pool.acquire();
    for (let i = 0; i < 3; i++) created[0]!.events.query();
    lease.release();
    let next: FakeClient | undefined;
    void pool.acquire(20_000).then((l) => {
      next = l.client;
      for (let i = 0; i < 3; i++) l.client.events.query();
      l.release();
    });
    await vi.advanceTimersByTimeAsync(1000);
    expect(next).toBeUndefined();
    expect(created).toHaveLength(1);
    closes[0]!();
    await vi.advanceTimersByTimeAsync(0);
    expect(next).toBe(created[1]);
    // The second close never completes: after the acquire timeout the slot is given back anyway.
    let third: FakeClient | undefined;
    void pool.acquire(20_000).then((l) => {
      third = l.client;
    });
    await vi.advanceTimersByTimeAsync(options.acquireTimeoutMs - 1);
    expect(third).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(third).toBe(created[2]);
  });

  it('discards a client whose work failed with a broken connection', async () => {
    const { pool, created } = setup({ max: 1 });
    await expect(
      pool.run(
        async () => {
          throw new Error('Network connection lost.');
        },
        () => true,
      ),
    ).rejects.toThrow('Network connection lost.');
    expect(created[0]!.destroyed).toBe(true);
    expect(pool.snapshot()).toMatchObject({ errors: 1, active: 0 });
  });

  it('keeps a client whose work failed for another reason', async () => {
    const { pool, created } = setup({ max: 1 });
    await expect(pool.run(async () => Promise.reject(new Error('gap')), neverBroken)).rejects.toThrow('gap');
    expect(created[0]!.destroyed).toBe(false);
  });

  it('frees the slot of work that outlives the work timeout', async () => {
    const { pool, created } = setup({ max: 1, workTimeoutMs: 100 });
    const stuck = pool.run(() => new Promise<never>(() => {}), neverBroken);
    const assertion = expect(stuck).rejects.toMatchObject({ code: 'upstream_error' });
    await vi.advanceTimersByTimeAsync(100);
    await assertion;
    expect(created[0]!.destroyed).toBe(true);
    expect(pool.snapshot().active).toBe(0);
  });

  it('times out each piece of work at its own deadline, and never work that ended in time', async () => {
    const { pool, created } = setup({ max: 3, workTimeoutMs: 100 });
    const settled: string[] = [];
    const stuck = (name: string) =>
      pool
        .run(() => new Promise<never>(() => {}), neverBroken)
        .catch((error: { code?: string }) => {
          settled.push(`${name} ${error.code}`);
        });
    const first = stuck('first');
    await vi.advanceTimersByTimeAsync(30);
    const second = stuck('second');
    // Ends in time: its client stays, though the watch outlives it.
    let finish: (value: number) => void = () => {};
    const quick = pool.run(() => new Promise<number>((resolve) => (finish = resolve)), neverBroken);
    await vi.advanceTimersByTimeAsync(20);
    finish(7);
    expect(await quick).toBe(7);
    await vi.advanceTimersByTimeAsync(49);
    expect(settled).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await first;
    // At 100 ms only the first is due; the second, 30 ms younger, is not expired early.
    expect(settled).toEqual(['first upstream_error']);
    await vi.advanceTimersByTimeAsync(29);
    expect(settled).toEqual(['first upstream_error']);
    await vi.advanceTimersByTimeAsync(1);
    await second;
    expect(settled).toEqual(['first upstream_error', 'second upstream_error']);
    expect(created.map((client) => client.destroyed)).toEqual([true, true, false]);
    // Nothing is in flight any more; new work is watched again from its own start.
    await vi.advanceTimersByTimeAsync(500);
    const late = stuck('late');
    await vi.advanceTimersByTimeAsync(99);
    expect(settled).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    await late;
    expect(settled.at(-1)).toBe('late upstream_error');
  });

  it('counts opened connections and ignores events of retired clients', async () => {
    const { pool, created } = setup({ max: 1 });
    await pool.run(async () => 1, neverBroken);
    expect(pool.snapshot()).toMatchObject({ opened: 1, idle: 1 });
    created[0]!.events.closed();
    expect(pool.snapshot().idle).toBe(0);
    await pool.run(async () => 1, neverBroken);
    expect(pool.snapshot().opened).toBe(2);
    await expect(
      pool.run(
        async () => Promise.reject(new Error('x')),
        () => true,
      ),
    ).rejects.toThrow();
    created[0]!.events.query();
    expect(pool.snapshot().queries).toBe(1);
    await pool.run(async () => 1, neverBroken);
    expect(created).toHaveLength(2);
  });

  it('measures load as busy/max at each acquisition', async () => {
    const { pool } = setup({ max: 2 });
    const a = await pool.acquire();
    const b = await pool.acquire();
    expect(pool.load).toBeCloseTo(0.75);
    a.release();
    b.release();
  });

  it('measures acquire latency with the injected clock', async () => {
    const { pool, clock } = setup({ max: 1 });
    const held = await pool.acquire();
    const waiting = pool.acquire();
    clock.advance(40);
    held.release();
    (await waiting).release();
    expect(pool.snapshot().acquireMs).toMatchObject({ count: 2, p99: 40 });
  });
});
