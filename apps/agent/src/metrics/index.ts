// Agent observability: wires metrics to the sync stats, profile reads and relay checks, and logs state changes.
import type { CircuitBreaker, Clock } from '@voicesync/core';
import type { AgentConfig } from '../config/index.ts';
import type { Logger } from '../logger/index.ts';
import type { Outbox } from '../sync/outbox/index.ts';
import type { ProfileStore } from '../profiles/index.ts';
import type { SyncStats } from '../sync/stats.ts';
import type { EdgeTransport } from '../sync/transport/index.ts';
import { AgentMetrics } from './agent-metrics.ts';
import { RelayStatusPoller } from './relay-status.ts';

export { AgentMetrics, type AgentMetricsOptions } from './agent-metrics.ts';
export type { LatencySummary } from './latency.ts';
export { RelayStatusPoller, type RelayView } from './relay-status.ts';
export type { HistoryPoint } from './history.ts';
export type { MetricsSnapshot } from './snapshot.ts';

export interface MetricsWiring {
  config: Pick<AgentConfig, 'metricsIntervalMs' | 'relayStatusIntervalMs' | 'requestTimeoutMs'>;
  stats: SyncStats;
  profiles: ProfileStore;
  outbox: Outbox;
  breaker: CircuitBreaker;
  clock: Clock;
  startedAt: number;
  log: Logger;
  /** The edge, when one is configured: its status is polled for the dashboard and /metrics. */
  transport: EdgeTransport | undefined;
}

/**
 * The agent's metrics, fed and started. Call `stop()` before closing the store.
 *
 * @example
 * const metrics = createAgentMetrics({ config, stats, profiles, outbox, breaker, clock, startedAt, log, transport });
 * metrics.observeVerify(0.00004, true);
 */
export function createAgentMetrics(w: MetricsWiring): AgentMetrics {
  const { config, log } = w;
  const relay = w.transport
    ? new RelayStatusPoller({
        transport: w.transport,
        intervalMs: config.relayStatusIntervalMs,
        timeoutMs: Math.min(config.requestTimeoutMs, 5_000),
        clock: w.clock,
        log,
      })
    : undefined;
  const metrics = new AgentMetrics({ ...w, relay, intervalMs: config.metricsIntervalMs });
  w.stats.onPush((ms) => metrics.observePush(ms / 1000));
  w.stats.onEdgeAvailability((available, previous) => {
    if (!available) log.warn({ edge: 'unavailable' }, 'edge unavailable: writes wait in the outbox');
    else if (previous === false) log.info({ edge: 'available' }, 'edge back: pushes reach the edge again');
    else log.info({ edge: 'available' }, 'edge reachable');
  });
  w.profiles.onRead((seconds, hit) => metrics.observeLocalRead(seconds, hit));
  metrics.start();
  return metrics;
}
