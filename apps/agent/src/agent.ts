// Composition root: opens the store, wires the outbox, sync and API, and starts/stops them in order.
import { dirname, resolve } from 'node:path';
import { CircuitBreaker, type Clock, halfJitter, type Sleep, systemClock, timerSleep } from '@voicesync/core';
import { ApiAccess } from './api/access/index.ts';
import { loadOrCreateApiKey } from './api/api-key/index.ts';
import { Authenticator, Cohort } from './auth/index.ts';
import { ClockSkew } from './clock-skew/index.ts';
import type { AgentConfig } from './config/index.ts';
import { readSecretFile } from './config/secret-file.ts';
import { createLogger, type Logger } from './logger/index.ts';
import { type AgentMetrics, createAgentMetrics } from './metrics/index.ts';
import { type ConnectNotify, connectWithWs, Notifier } from './sync/notify/index.ts';
import { Outbox } from './sync/outbox/index.ts';
import { preloadIndex } from './preload/index.ts';
import { Puller } from './sync/pull/index.ts';
import { ProfileStore } from './profiles/index.ts';
import { createScoringBackend, EmbeddingIndex } from './scoring/index.ts';
import { openStore, type Store } from './store/index.ts';
import { Pusher } from './sync/push/pusher.ts';
import { SyncStats } from './sync/stats.ts';
import { EdgeTransport, type Fetch } from './sync/transport/index.ts';
import { resetSync } from './sync/push/upstream.ts';

export interface AgentDeps {
  /** Told after each page of the start-up preload (the CLI draws a progress bar on a terminal). */
  onPreload?: (loaded: number, total: number) => void;
  fetch?: Fetch;
  clock?: Clock;
  sleep?: Sleep;
  logger?: Logger;
  /**
   * Forget the upstream position and queue every profile for upload before starting: the database
   * synced with another upstream (`voicesync agent start --reset-sync`).
   */
  resetSync?: boolean;
  /** Opens the /v1/notify socket (tests cut it to simulate a partition); `false` polls only. */
  notify?: ConnectNotify | false;
}

export interface Agent {
  config: AgentConfig;
  store: Store;
  profiles: ProfileStore;
  /** verify / identify from memory; never touches the network. */
  auth: Authenticator;
  cohort: Cohort;
  outbox: Outbox;
  stats: SyncStats;
  /** Prometheus registry, periodic snapshot, and observeVerify/observeIdentify for the hot paths. */
  metrics: AgentMetrics;
  breaker: CircuitBreaker;
  /** Absent when no edge is configured: the agent then works offline and keeps its outbox. */
  transport: EdgeTransport | undefined;
  pusher: Pusher | undefined;
  puller: Puller | undefined;
  /** The live notification socket; absent without an edge or with `deps.notify === false`. */
  notifier: Notifier | undefined;
  log: Logger;
  /** How far the local clock runs from the edge's; write times are corrected while it runs far ahead. */
  clockSkew: ClockSkew;
  /** The API key (or none, with allowUnauthenticated) and the dashboard's sessions. */
  access: ApiAccess;
  startedAt: number;
  close(): Promise<void>;
}

/** The key the API requires, made at first start; without one (an explicit choice) a warning says so. */
function openAccess(config: AgentConfig, log: Logger): ApiAccess {
  if (config.allowUnauthenticated) {
    log.warn('allowUnauthenticated is set: every local user can read and enrol voiceprints through the API');
    return new ApiAccess({ key: undefined, keyPath: undefined });
  }
  const { key, path, created } = loadOrCreateApiKey(config);
  log.info(
    { apiKeyFile: path ?? null, created },
    path ? `API key in ${path}` : 'API key from the environment',
  );
  return new ApiAccess({ key, keyPath: path });
}

/**
 * After the edge refused the credential, a token file the operator has since rewritten is picked
 * up at the next attempt, so a new token resumes the queue without a restart.
 */
function rereadToken(config: AgentConfig, transport: EdgeTransport, log: Logger): void {
  if (config.tokenFile === undefined) return;
  try {
    transport.useToken(readSecretFile(config.tokenFile, 'tokenFile'));
  } catch (error) {
    log.warn({ err: String(error) }, 'could not re-read tokenFile');
  }
}

/** Opens everything and starts background sync. */
export async function createAgent(config: AgentConfig, deps: AgentDeps = {}): Promise<Agent> {
  const clock = deps.clock ?? systemClock;
  const sleep = deps.sleep ?? timerSleep;
  const log = deps.logger ?? createLogger(config.logLevel);
  const access = openAccess(config, log);
  const store = await openStore(config.db, { synchronous: config.synchronous });
  const clockSkew = new ClockSkew(clock, config.maxClockSkewMs, log);
  if (deps.resetSync) {
    const queued = await resetSync(store);
    log.warn({ queued }, "sync state reset: every profile uploads as this device's first sync");
  }
  const outbox = new Outbox(store);
  const profiles = new ProfileStore(store, {
    now: () => clockSkew.now(),
    maxAheadMs: config.maxClockSkewMs,
    outbox,
  });
  const cohort = new Cohort(store, config.dim);
  await cohort.load();
  const backend = await createScoringBackend(config.scoringBackend, {
    onFallback: (engine, error) =>
      log.warn({ engine, err: String(error) }, 'scoring engine unavailable, falling back'),
  });
  // The f32 rows of a large index leave memory for a file beside the database: the same disk and
  // permissions as the profiles themselves, never a tmpfs /tmp that would put them back in RAM.
  const quantised = config.db === ':memory:' ? {} : { rowFileDir: dirname(resolve(config.db)) };
  const index = new EmbeddingIndex({ backend, dim: config.dim, quantised });
  const auth = new Authenticator(index, cohort, config);
  const preloadStarted = performance.now();
  const { saving, ...preload } = await preloadIndex(store, auth, deps.onPreload);
  const ms = Math.round(performance.now() - preloadStarted);
  log.info({ profiles: auth.index.size, ms, backend: backend.name, ...preload }, 'embedding index preloaded');
  // The snapshot of a parallel load is saved while the agent already serves; close waits for it.
  const snapshotSaved = saving?.then((outcome) => log.info(outcome, 'index snapshot written or not'));
  profiles.onChange((change) => auth.apply(change));
  const stats = new SyncStats();
  const breaker = new CircuitBreaker(clock, config.breaker);
  breaker.onStateChange((state, previous) => {
    stats.breakerState = state;
    log.warn({ breaker: 'edge', state, previous }, `edge breaker ${previous} -> ${state}`);
  });
  const startedAt = clock.now();
  // Every request to the edge goes through this one transport (push, pull, handshake, status).
  const transport =
    config.edgeUrl && config.token
      ? new EdgeTransport({
          edgeUrl: config.edgeUrl,
          token: config.token,
          timeoutMs: config.requestTimeoutMs,
          onDate: (date, sentAt, receivedAt) => clockSkew.observe(date, sentAt, receivedAt),
          now: () => clock.now(),
          ...(deps.fetch ? { fetch: deps.fetch } : {}),
        })
      : undefined;
  const metrics = createAgentMetrics({
    config,
    stats,
    profiles,
    outbox,
    breaker,
    clock,
    startedAt,
    log,
    transport,
  });

  let pusher: Pusher | undefined;
  let puller: Puller | undefined;
  let notifier: Notifier | undefined;
  if (transport && config.edgeUrl && config.token) {
    const edge = transport;
    pusher = new Pusher(
      outbox,
      transport,
      breaker,
      stats,
      clock,
      sleep,
      { ...config, onCredentialRefused: () => rereadToken(config, edge, log) },
      log,
    );
    pusher.start();
    puller = new Puller(store, profiles, outbox, transport, stats, clock, log);
    puller.start(config.pullIntervalMs, sleep);
    if (deps.notify !== false) {
      notifier = new Notifier({
        edgeUrl: config.edgeUrl,
        token: config.token,
        connect: deps.notify ?? connectWithWs,
        onChange: puller.wake.bind(puller),
        sleep,
        backoff: { initialMs: config.backoffInitialMs, maxMs: config.backoffMaxMs, jitter: halfJitter() },
        log,
      });
      notifier.start();
    }
  } else {
    log.warn('no edge configured (edgeUrl and token): working offline, writes stay in the outbox');
  }

  return {
    config,
    store,
    profiles,
    auth,
    cohort,
    outbox,
    stats,
    breaker,
    transport,
    pusher,
    puller,
    notifier,
    log,
    access,
    clockSkew,
    metrics,
    startedAt,
    async close() {
      metrics.stop();
      await notifier?.stop();
      await pusher?.stop();
      await puller?.stop();
      await snapshotSaved;
      auth.index.close();
      store.close();
    },
  };
}
