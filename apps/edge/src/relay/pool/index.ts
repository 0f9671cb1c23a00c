// A hard-capped pool of upstream clients: FIFO waiting with a deadline, recycling, and its measures.
import { type Clock, MovingAverage, VoicesyncError } from '@voicesync/core';
import { Latency } from '../metrics/latency.ts';
import type { ClientEvents, ClientFactory, Lease, PoolOptions, PoolSnapshot } from './types.ts';

export * from './postgres.ts';
export * from './types.ts';

interface Slot<C> {
  index: number;
  client: C | null;
  /** Bumped when the client is retired, so late events of an old client are ignored. */
  generation: number;
  queries: number;
  leased: boolean;
  connected: boolean;
  /** Set while a retired client's connection closes; the slot opens no other until then. */
  closing: Promise<void> | null;
}

/**
 * @example
 * const pool = new Pool(postgresClients(url, options), { max: 3, ... }, systemClock);
 * const rows = await pool.run((sql) => sql`select 1`, isConnectionError);
 */
export class Pool<C> {
  private readonly slots: Slot<C>[];
  private readonly waiters: Array<(slot: Slot<C>) => void> = [];
  private readonly loadAverage = new MovingAverage(100);
  private readonly acquireLatency = new Latency();
  private readonly queryLatency = new Latency();
  private readonly counts = { opened: 0, recycled: 0, errors: 0, timeouts: 0, queries: 0 };
  /** Work in flight, each with the time (`Date.now()`) it must end by; one timer watches them all. */
  private readonly deadlines = new Set<{ at: number; expire: () => void }>();
  private watchdog: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly factory: ClientFactory<C>,
    readonly options: PoolOptions,
    private readonly clock: Clock,
  ) {
    this.slots = Array.from({ length: options.max }, (_, index) => ({
      index,
      client: null,
      generation: 0,
      queries: 0,
      leased: false,
      connected: false,
      closing: null,
    }));
  }

  /** A free client, waiting in FIFO order; rejects with `pool_timeout` after `timeoutMs`. */
  acquire(timeoutMs = this.options.acquireTimeoutMs): Promise<Lease<C>> {
    const startedAt = this.clock.now();
    // The lowest free slot first: slot 0 stays warm and the others can reach their idle timeout.
    const free = this.slots.find((slot) => !slot.leased);
    if (free) return Promise.resolve(this.lease(free, startedAt));
    return new Promise((resolve, reject) => {
      const waiter = (slot: Slot<C>) => {
        clearTimeout(timer);
        resolve(this.lease(slot, startedAt));
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        this.counts.timeouts += 1;
        reject(
          new VoicesyncError('pool_timeout', `no upstream connection became free within ${timeoutMs} ms`, {
            details: { retryAfterMs: 1000 },
          }),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Leases a client for `work`; errors for which `isBroken` holds discard the client. */
  async run<T>(work: (client: C) => Promise<T>, isBroken: (error: unknown) => boolean): Promise<T> {
    const lease = await this.acquire();
    const slot = this.slots[lease.slot]!;
    const generation = slot.generation;
    const startedAt = this.clock.now();
    let reject: (error: VoicesyncError) => void = () => {};
    const timedOut = new Promise<never>((_, fail) => {
      reject = fail;
    });
    const deadline = {
      at: Date.now() + this.options.workTimeoutMs,
      expire: () => {
        this.retire(slot);
        reject(
          new VoicesyncError('upstream_error', `upstream work exceeded ${this.options.workTimeoutMs} ms`, {
            details: { retryAfterMs: 1000 },
          }),
        );
      },
    };
    this.watch(deadline);
    let broken = false;
    try {
      const value = await Promise.race([work(lease.client), timedOut]);
      if (slot.generation === generation && !slot.connected) {
        slot.connected = true;
        this.counts.opened += 1;
      }
      return value;
    } catch (error) {
      this.counts.errors += 1;
      broken = isBroken(error);
      throw error;
    } finally {
      this.deadlines.delete(deadline);
      this.queryLatency.observe(this.clock.now() - startedAt);
      lease.release(broken);
    }
  }

  /**
   * Watches `deadline` until its work ends. One timer for all work in flight, set for the earliest
   * deadline, instead of a timer set and cleared per call: under steady traffic it fires once per
   * work timeout, finds the work it was set for long done, and is set again for the oldest work
   * then in flight (every deadline is the same span after its start, so a later one never comes
   * due first). It stops when no work is left. A timer and its clearing per call were ~2 % of a
   * one-mutation push's CPU in workerd (docs/capacity.md, round 9).
   */
  private watch(deadline: { at: number; expire: () => void }): void {
    this.deadlines.add(deadline);
    if (this.watchdog === undefined) this.armWatchdog(deadline.at);
  }

  private armWatchdog(at: number): void {
    this.watchdog = setTimeout(() => this.sweep(), Math.max(0, at - Date.now()));
  }

  /** Expires the work past its deadline, then watches the rest. */
  private sweep(): void {
    this.watchdog = undefined;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const deadline of [...this.deadlines]) {
      if (deadline.at <= now) {
        this.deadlines.delete(deadline);
        deadline.expire();
      } else next = Math.min(next, deadline.at);
    }
    if (next !== Number.POSITIVE_INFINITY) this.armWatchdog(next);
  }

  /** Moving average of busy/max over the last 100 acquisitions (0..1). */
  get load(): number {
    return this.loadAverage.value;
  }

  snapshot(): PoolSnapshot {
    return {
      max: this.options.max,
      active: this.slots.filter((slot) => slot.leased).length,
      idle: this.slots.filter((slot) => !slot.leased && slot.connected).length,
      waiting: this.waiters.length,
      ...this.counts,
      load: this.loadAverage.value,
      acquireMs: this.acquireLatency.summary(),
      queryMs: this.queryLatency.summary(),
    };
  }

  private lease(slot: Slot<C>, startedAt: number): Lease<C> {
    slot.leased = true;
    slot.client ??= this.factory.create(slot.index, this.events(slot));
    this.acquireLatency.observe(this.clock.now() - startedAt);
    this.loadAverage.add(this.slots.filter((s) => s.leased).length / this.options.max);
    let released = false;
    return {
      client: slot.client,
      slot: slot.index,
      release: (broken = false) => {
        if (released) return;
        released = true;
        this.release(slot, broken);
      },
    };
  }

  private release(slot: Slot<C>, broken: boolean): void {
    if (broken) this.retire(slot);
    else if (slot.queries >= this.options.maxQueriesPerConnection) {
      this.retire(slot);
      this.counts.recycled += 1;
    }
    // The cap counts connections, not slots: a retired client's connection is closed before its
    // slot may open the next one.
    if (slot.closing) void slot.closing.then(() => this.handOver(slot));
    else this.handOver(slot);
  }

  private handOver(slot: Slot<C>): void {
    const next = this.waiters.shift();
    if (next) next(slot);
    else slot.leased = false;
  }

  private retire(slot: Slot<C>): void {
    const client = slot.client;
    if (!client) return;
    slot.client = null;
    slot.connected = false;
    slot.queries = 0;
    slot.generation += 1;
    const closed = this.factory.destroy(client).catch(() => {
      this.counts.errors += 1;
    });
    // Bounded: a close that never completes must not take the slot away for good.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const closing: Promise<void> = Promise.race([
      closed,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.options.acquireTimeoutMs);
      }),
    ]).finally(() => {
      if (timer !== undefined) clearTimeout(timer);
      if (slot.closing === closing) slot.closing = null;
    });
    slot.closing = closing;
  }

  private events(slot: Slot<C>): ClientEvents {
    const generation = slot.generation;
    return {
      query: () => {
        this.counts.queries += 1;
        if (slot.generation === generation) slot.queries += 1;
      },
      closed: () => {
        if (slot.generation === generation) slot.connected = false;
      },
    };
  }
}
