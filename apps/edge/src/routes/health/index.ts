// GET /health and GET /v1/status: liveness with the breaker states, and every shard's measures as JSON.
import { Hono } from 'hono';
import { shardConfig } from '../../config/index.ts';
import type { Env } from '../../env.ts';
import { unwrap } from '../../errors/index.ts';
import { combineStatus, type EdgeStatus, worstBreaker } from '../../relay/metrics/index.ts';
import { allRelays } from '../../relay/stub.ts';

export const health = new Hono<{ Bindings: Env }>();

/** Every shard's status, asked in parallel; none of them touches PostgreSQL. */
export async function edgeStatus(env: Env): Promise<EdgeStatus> {
  const statuses = await Promise.all(allRelays(env).map(async (relay) => unwrap(await relay.status())));
  return combineStatus(statuses, shardConfig(env));
}

/** Never touches PostgreSQL: `ok` is false while any shard's breaker is open, the status stays 200. */
health.get('/health', async (c) => {
  const shards = await Promise.all(allRelays(c.env).map(async (relay) => unwrap(await relay.health())));
  const breaker = worstBreaker(shards.map((shard) => shard.breaker));
  return c.json({ ok: breaker.state !== 'OPEN', breaker });
});

health.get('/v1/status', async (c) => c.json(await edgeStatus(c.env)));
