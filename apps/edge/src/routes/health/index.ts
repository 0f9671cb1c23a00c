// GET /health and GET /v1/status: liveness with the breaker state, and the Relay's measures as JSON.
import { Hono } from 'hono';
import type { Env } from '../../env.ts';
import { unwrap } from '../../errors/index.ts';
import { relayStub } from '../../relay/stub.ts';

export const health = new Hono<{ Bindings: Env }>();

/** Never touches PostgreSQL: `ok` is false while the breaker is open, the status stays 200. */
health.get('/health', async (c) => c.json(unwrap(await relayStub(c.env).health())));

health.get('/v1/status', async (c) => c.json(unwrap(await relayStub(c.env).status())));
