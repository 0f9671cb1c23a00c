// HTTP face of the metrics: Prometheus text at /metrics and the snapshot history the dashboard starts from.
import { Hono } from 'hono';
import type { AgentMetrics } from './agent-metrics.ts';

export function metricsRoutes(metrics: AgentMetrics): Hono {
  const app = new Hono();
  app.get('/metrics', async (c) =>
    c.body(await metrics.render(), 200, { 'content-type': metrics.contentType }),
  );
  app.get('/v1/metrics/history', (c) => c.json({ points: metrics.historyPoints() }));
  return app;
}
