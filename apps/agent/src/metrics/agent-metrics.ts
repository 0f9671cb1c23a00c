// One agent's metrics: its own prom-client registry, the observe* API for hot paths, and the periodic snapshot.
import { PRIORITIES, type PriorityName } from '@voicesync/core';
import { Registry } from 'prom-client';
import type { Logger } from '../logger/index.ts';
import type { Outbox, OutboxCounts } from '../sync/outbox/index.ts';
import { Decisions } from './decisions.ts';
import { IntervalSamples, LatencyTrack, LOCAL_BUCKETS, NETWORK_BUCKETS } from './latency.ts';
import type { RelayStatusPoller, RelayView } from './relay-status.ts';
import { History, type HistoryPoint, toHistoryPoint } from './history.ts';
import { type Baseline, buildSnapshot, type MetricsSnapshot } from './snapshot.ts';
import { registerStateCollectors, type StateSources } from './state-collectors.ts';

export interface AgentMetricsOptions extends Omit<StateSources, 'outbox' | 'relay'> {
  outbox: Pick<Outbox, 'counts'>;
  relay: RelayStatusPoller | undefined;
  log: Logger;
  intervalMs: number;
  /** Snapshots kept for the dashboard (default 360: an hour at 10 s). */
  historySize?: number;
}

const emptyCounts = (): OutboxCounts => ({
  pending: 0,
  byPriority: Object.fromEntries(PRIORITIES.map((p) => [p, 0])) as Record<PriorityName, number>,
  inFlight: 0,
  deadLetters: 0,
  oldestPendingAt: null,
});

export class AgentMetrics {
  /** Per agent, never the global default, so several agents can run in one process (tests). */
  readonly registry = new Registry();
  private readonly localRead: LatencyTrack<'cache'>;
  private readonly cacheHitSamples = new IntervalSamples();
  private readonly push: LatencyTrack;
  private readonly verify: LatencyTrack;
  private readonly identify: LatencyTrack;
  private readonly verifyDecisions: Decisions;
  private readonly identifyDecisions: Decisions;
  private outboxCounts = emptyCounts();
  private readonly history: History;
  private latest: MetricsSnapshot | undefined;
  private taking: Promise<MetricsSnapshot> | undefined;
  private baseline: Baseline;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly options: AgentMetricsOptions) {
    const registry = this.registry;
    this.localRead = new LatencyTrack(registry, {
      name: 'voicesync_local_read_seconds',
      help: 'Profile reads: memory on a cache hit, libSQL on a miss',
      buckets: LOCAL_BUCKETS,
      labelNames: ['cache'],
    });
    this.localRead.zero({ cache: 'hit' });
    this.localRead.zero({ cache: 'miss' });
    this.push = new LatencyTrack(registry, {
      name: 'voicesync_push_seconds',
      help: 'Round trip of one push batch to the edge (cloud write latency)',
      buckets: NETWORK_BUCKETS,
    });
    this.verify = new LatencyTrack(registry, {
      name: 'voicesync_verify_seconds',
      help: 'Time to verify a claimed speaker',
      buckets: LOCAL_BUCKETS,
    });
    this.identify = new LatencyTrack(registry, {
      name: 'voicesync_identify_seconds',
      help: 'Time to identify a speaker (top-k)',
      buckets: LOCAL_BUCKETS,
    });
    this.verifyDecisions = new Decisions(registry, 'voicesync_verify_total', 'Verify answers by decision');
    this.identifyDecisions = new Decisions(
      registry,
      'voicesync_identify_total',
      'Identify answers by decision (accepted = a match cleared the threshold)',
    );
    registerStateCollectors(registry, {
      ...options,
      outbox: () => this.outboxCounts,
      relay: () => this.relayView(),
    });
    this.history = new History(options.historySize ?? 360);
    this.baseline = { at: options.startedAt, synced: 0, failed: 0, hits: 0, misses: 0, verifications: 0 };
  }

  /** Call after each verify with its duration and decision. */
  observeVerify(seconds: number, accepted: boolean): void {
    this.verify.observe(seconds);
    this.verifyDecisions.record(accepted);
  }

  /** Call after each identify; `accepted` is whether a match cleared the threshold (open-set rejection). */
  observeIdentify(seconds: number, accepted: boolean): void {
    this.identify.observe(seconds);
    this.identifyDecisions.record(accepted);
  }

  observeLocalRead(seconds: number, hit: boolean): void {
    this.localRead.observe(seconds, { cache: hit ? 'hit' : 'miss' });
    if (hit) this.cacheHitSamples.add(seconds * 1000);
  }

  observePush(seconds: number): void {
    this.push.observe(seconds);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Prometheus text: the outbox is counted once, then every collector reads its state. */
  async render(): Promise<string> {
    this.outboxCounts = await this.options.outbox.counts();
    return this.registry.metrics();
  }

  /** The latest snapshot (taken now if none exists yet). */
  snapshot(): Promise<MetricsSnapshot> {
    return this.latest ? Promise.resolve(this.latest) : this.take();
  }

  /** The relay as of the last health check; null when no edge is configured. */
  relayView(): RelayView | null {
    return this.options.relay?.view ?? null;
  }

  historyPoints(): HistoryPoint[] {
    return this.history.list();
  }

  /** Starts the snapshot timer and, when an edge is configured, the relay health checks. */
  start(): void {
    if (this.timer) return;
    this.options.relay?.start();
    this.timer = setInterval(() => {
      this.take().catch((error: unknown) =>
        this.options.log.error({ err: error }, 'metrics snapshot failed'),
      );
    }, this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.options.relay?.stop();
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Closes the current interval: quantiles and rates cover the time since the previous snapshot. */
  take(): Promise<MetricsSnapshot> {
    this.taking ??= this.compute().finally(() => {
      this.taking = undefined;
    });
    return this.taking;
  }

  private async compute(): Promise<MetricsSnapshot> {
    this.outboxCounts = await this.options.outbox.counts();
    const { snapshot, next } = buildSnapshot(
      {
        now: this.options.clock.now(),
        startedAt: this.options.startedAt,
        stats: this.options.stats,
        profiles: this.options.profiles,
        breaker: this.options.breaker.state,
        outbox: this.outboxCounts,
        relay: this.relayView(),
        latencyMs: {
          localRead: this.localRead.drain(),
          cacheHit: this.cacheHitSamples.drain(),
          push: this.push.drain(),
          verify: this.verify.drain(),
          identify: this.identify.drain(),
        },
        verify: this.verifyDecisions.counts(),
        identify: this.identifyDecisions.counts(),
      },
      this.baseline,
    );
    this.baseline = next;
    this.latest = snapshot;
    this.history.push(toHistoryPoint(snapshot));
    return snapshot;
  }
}
