// GET /health and GET /v1/status: liveness with the breaker states, and every shard's measures as JSON.
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { edgeHealthSchema, edgeStatusSchema } from '@voicesync/schema';
import { jsonResponse } from '@voicesync/schema/openapi';
import { shardConfig } from '../../config/index.ts';
import type { Env } from '../../env.ts';
import { unwrap } from '../../errors/index.ts';
import { combineStatus, type EdgeStatus, worstBreaker } from '../../relay/metrics/index.ts';
import { allRelays } from '../../relay/stub.ts';
import { route } from '../openapi/index.ts';

export const health = new OpenAPIHono<{ Bindings: Env }>();

/** Every shard's status, asked in parallel; none of them touches PostgreSQL. */
export async function edgeStatus(env: Env): Promise<EdgeStatus> {
  const statuses = await Promise.all(allRelays(env).map(async (relay) => unwrap(await relay.status())));
  return combineStatus(statuses, shardConfig(env));
}

const healthRoute = createRoute({
  method: 'get',
  path: '/health',
  tags: ['operations'],
  summary:
    'Liveness with the worst breaker state (never touches PostgreSQL; 200 even while a breaker is open)',
  responses: { 200: jsonResponse('`ok` is false while any shard’s breaker is open', edgeHealthSchema) },
});

const statusRoute = createRoute({
  method: 'get',
  path: '/v1/status',
  tags: ['operations'],
  summary: 'Every shard’s pool, breaker and push counters, and their sum (never touches PostgreSQL)',
  responses: { 200: jsonResponse('the edge’s status', edgeStatusSchema) },
});

route(health, healthRoute, async (c) => {
  const shards = await Promise.all(allRelays(c.env).map(async (relay) => unwrap(await relay.health())));
  const breaker = worstBreaker(shards.map((shard) => shard.breaker));
  return c.json({ ok: breaker.state !== 'OPEN', breaker });
});

route(health, statusRoute, async (c) => c.json(await edgeStatus(c.env)));
