// /v1/outbox: inspect pending entries and dead letters, and re-queue dead letters.
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { PRIORITIES } from '@voicesync/core';
import { errorResponses, jsonResponse } from '@voicesync/schema/openapi';
import { z } from 'zod';
import type { Agent } from '../../agent.ts';
import { guarded, route, storageErrors } from '../openapi/route.ts';
import { outboxListSchema, retryResultSchema } from '../openapi/schemas.ts';
import { limitQuery } from '../request/index.ts';

const list = createRoute({
  method: 'get',
  path: '/',
  tags: ['outbox'],
  summary: 'Writes waiting for the edge and dead letters (never an embedding)',
  request: {
    query: z.object({
      status: z.enum(['pending', 'dead', 'all'], { error: 'must be pending, dead or all' }).default('all'),
      limit: limitQuery(100, 1000),
    }),
  },
  responses: {
    200: jsonResponse('entries in upload order, and the counts', outboxListSchema),
    ...errorResponses({ 400: 'invalid_query: a bad status or limit' }),
    ...guarded,
  },
});

const retry = createRoute({
  method: 'post',
  path: '/retry',
  tags: ['outbox'],
  summary: 'Re-queue every dead letter',
  responses: {
    200: jsonResponse('how many were re-queued', retryResultSchema),
    ...guarded,
    ...storageErrors,
  },
});

export function outboxRoutes(agent: Agent): OpenAPIHono {
  const app = new OpenAPIHono();

  route(app, list, async (c, { query: { status, limit } }) => {
    const rows = await agent.outbox.list(status, limit);
    return c.json({
      entries: rows.map((row) => ({ ...row, priority: PRIORITIES[row.priority] })),
      counts: await agent.outbox.counts(),
    });
  });

  route(app, retry, async (c) => {
    const requeued = await agent.outbox.retryDead();
    if (requeued > 0) agent.log.info({ requeued }, 'dead letters re-queued');
    return c.json({ requeued });
  });

  return app;
}
