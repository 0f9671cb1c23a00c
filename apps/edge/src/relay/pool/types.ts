// The pool's contracts: its options, the client factory it drives, leases, and its snapshot.
import type { LatencySummary } from '../metrics/latency.ts';

export interface PoolOptions {
  /** Hard cap on clients, hence on upstream connections (PG_MAX). */
  max: number;
  /** Default bound on waiting for a free client. */
  acquireTimeoutMs: number;
  /** A client is replaced after this many queries. */
  maxQueriesPerConnection: number;
  /** A unit of work still running after this long loses its client, so a dead socket cannot pin a slot. */
  workTimeoutMs: number;
}

/** How a client reports to the pool; each client holds at most one connection. */
export interface ClientEvents {
  query(): void;
  closed(): void;
}

export interface ClientFactory<C> {
  /** Called lazily, when a slot without a client is leased. */
  create(slot: number, events: ClientEvents): C;
  /** Closes a client at once, failing whatever it is running. */
  destroy(client: C): Promise<void>;
}

export interface Lease<C> {
  readonly client: C;
  readonly slot: number;
  /** Gives the client back; `broken` discards it (the next lease of the slot gets a new one). */
  release(broken?: boolean): void;
}

export interface PoolSnapshot {
  max: number;
  active: number;
  idle: number;
  waiting: number;
  opened: number;
  recycled: number;
  errors: number;
  timeouts: number;
  queries: number;
  /** Moving average over the last 100 acquisitions of busy/max, sampled at acquisition. */
  load: number;
  acquireMs: LatencySummary;
  queryMs: LatencySummary;
}
