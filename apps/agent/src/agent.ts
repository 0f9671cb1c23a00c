// Composition root: opens the store, wires the outbox, sync and API, and starts/stops them in order.
import { CircuitBreaker, type Clock, type Sleep, systemClock, timerSleep } from '@voicesync/core';
import type { AgentConfig } from './config/index.ts';
import { createLogger, type Logger } from './logger/index.ts';
import { Outbox } from './outbox/index.ts';
import { ProfileStore } from './profiles/index.ts';
import { openStore, type Store } from './store/index.ts';
import { Pusher } from './sync/pusher.ts';
import { SyncStats } from './sync/stats.ts';
import { EdgeTransport, type Fetch } from './sync/transport.ts';

export interface AgentDeps {
  fetch?: Fetch;
  clock?: Clock;
  sleep?: Sleep;
  logger?: Logger;
}

export interface Agent {
  config: AgentConfig;
  store: Store;
  profiles: ProfileStore;
  outbox: Outbox;
  stats: SyncStats;
  breaker: CircuitBreaker;
  /** Absent when no edge is configured: the agent then works offline and keeps its outbox. */
  transport: EdgeTransport | undefined;
  pusher: Pusher | undefined;
  log: Logger;
  startedAt: number;
  close(): Promise<void>;
}

/** Opens everything and starts background sync. */
export async function createAgent(config: AgentConfig, deps: AgentDeps = {}): Promise<Agent> {
  const clock = deps.clock ?? systemClock;
  const sleep = deps.sleep ?? timerSleep;
  const log = deps.logger ?? createLogger(config.logLevel);
  const store = await openStore(config.db, { synchronous: config.synchronous });
  const profiles = new ProfileStore(store, () => clock.now());
  const outbox = new Outbox(store);
  const stats = new SyncStats();
  const breaker = new CircuitBreaker(clock, config.breaker);
  breaker.onStateChange((state, previous) => {
    stats.breakerState = state;
    log.warn({ breaker: 'edge', state, previous }, `edge breaker ${previous} -> ${state}`);
  });

  let transport: EdgeTransport | undefined;
  let pusher: Pusher | undefined;
  if (config.edgeUrl && config.token) {
    transport = new EdgeTransport({
      edgeUrl: config.edgeUrl,
      token: config.token,
      timeoutMs: config.requestTimeoutMs,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    });
    pusher = new Pusher(outbox, transport, breaker, stats, clock, sleep, config, log);
    pusher.start();
  } else {
    log.warn('no edge configured (edgeUrl and token): working offline, writes stay in the outbox');
  }

  return {
    config,
    store,
    profiles,
    outbox,
    stats,
    breaker,
    transport,
    pusher,
    log,
    startedAt: clock.now(),
    async close() {
      await pusher?.stop();
      store.close();
    },
  };
}
