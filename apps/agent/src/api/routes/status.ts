// /v1/status: the agent's state at a glance (outbox and why it waits, sync counters, breaker, cache).
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { jsonResponse } from '@voicesync/schema/openapi';
import type { Agent } from '../../agent.ts';
import { guarded, route } from '../openapi/route.ts';
import { statusSchema } from '../openapi/schemas.ts';

export async function statusSnapshot(agent: Agent) {
  const { stats, profiles } = agent;
  const counts = await agent.outbox.counts();
  const now = Date.now();
  const { oldestPendingAt, ...outbox } = counts;
  return {
    uptimeMs: now - agent.startedAt,
    outbox: {
      ...outbox,
      /** Age of the oldest write not yet upstream; 0 when none waits. */
      oldestPendingSeconds: oldestPendingAt === null ? 0 : Math.max(0, now - oldestPendingAt) / 1000,
    },
    /** Why the queue is not uploading (edge_down, database_down, credential_refused, backpressure), since when, and the fix. */
    waiting: stats.waiting ? { ...stats.waiting } : null,
    synced: stats.synced,
    failed: stats.failed,
    deferred: stats.deferred,
    deadLetters: counts.deadLetters,
    rejected: stats.rejected,
    conflicts: stats.conflicts,
    edge: {
      url: agent.transport?.edgeUrl ?? null,
      available: stats.edgeAvailable ?? null,
      breaker: agent.breaker.state,
      load: stats.load,
      lastSyncAt: stats.lastSyncAt ?? null,
      lastError: stats.lastError ?? null,
      /** Set when this database synced with another upstream; says how to reset (--reset-sync). */
      anotherUpstream: stats.anotherUpstream ?? null,
      pushLatencyMs: { p50: stats.pushLatency.quantile(0.5), p99: stats.pushLatency.quantile(0.99) },
    },
    cache: { hits: profiles.cacheHits, misses: profiles.cacheMisses, size: profiles.cacheSize },
    /** Taken every metricsIntervalMs: interval latencies and rates, verify decisions (the /metrics figures). */
    metrics: await agent.metrics.snapshot(),
    /** The relay as of the last health check of the edge; null when no edge is configured. */
    relay: agent.metrics.relayView(),
    /** The live notification socket to the edge; null when there is none (no edge, or polling only). */
    notify: agent.notifier ? { state: agent.notifier.state, ...agent.notifier.counts } : null,
    /** Changes applied from other devices, the last pull that read the log to its end, and how far it read. */
    pull: {
      pulled: stats.pulled,
      lastPullAt: stats.lastPullAt ?? null,
      cursor: agent.puller ? await agent.puller.cursor() : null,
    },
    /** Local clock against the edge's Date header: a clock far ahead is corrected for in write times. */
    clock: agent.clockSkew.view(),
  };
}

const status = createRoute({
  method: 'get',
  path: '/',
  tags: ['operations'],
  summary: 'The agent at a glance: outbox and why it waits, sync counters, breaker, cache, relay, clock',
  responses: { 200: jsonResponse('the status snapshot', statusSchema), ...guarded },
});

export function statusRoutes(agent: Agent): OpenAPIHono {
  const app = new OpenAPIHono();
  route(app, status, async (c) => c.json(await statusSnapshot(agent)));
  return app;
}
