// GET /metrics: the shards' status in Prometheus text format.
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import type { Env } from '../../env.ts';
import { edgeStatus } from '../health/index.ts';
import { route } from '../openapi/index.ts';
import { prometheusText } from './prometheus.ts';

export const metrics = new OpenAPIHono<{ Bindings: Env }>();

const definition = createRoute({
  method: 'get',
  path: '/',
  tags: ['operations'],
  summary: 'Every shard’s measures in the Prometheus text format (never touches PostgreSQL)',
  responses: { 200: { description: 'metrics', content: { 'text/plain': { schema: z.string() } } } },
});

route(metrics, definition, async (c) => {
  return c.text(prometheusText(await edgeStatus(c.env)), 200, {
    'Content-Type': 'text/plain; version=0.0.4; charset=utf-8',
  });
});
