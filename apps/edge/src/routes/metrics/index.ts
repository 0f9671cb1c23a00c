// GET /metrics: the shards' status in Prometheus text format.
import { Hono } from 'hono';
import type { Env } from '../../env.ts';
import { edgeStatus } from '../health/index.ts';
import { prometheusText } from './prometheus.ts';

export const metrics = new Hono<{ Bindings: Env }>();

metrics.get('/', async (c) => {
  return c.text(prometheusText(await edgeStatus(c.env)), 200, {
    'Content-Type': 'text/plain; version=0.0.4; charset=utf-8',
  });
});
