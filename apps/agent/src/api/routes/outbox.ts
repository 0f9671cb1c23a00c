// /v1/outbox: inspect pending entries and dead letters, and re-queue dead letters.
import { PRIORITIES, VoicesyncError } from '@voicesync/core';
import { Hono } from 'hono';
import type { Agent } from '../../agent.ts';
import { queryLimit } from '../errors.ts';

export function outboxRoutes(agent: Agent): Hono {
  const app = new Hono();

  app.get('/', async (c) => {
    const status = c.req.query('status') ?? 'all';
    if (status !== 'pending' && status !== 'dead' && status !== 'all') {
      throw new VoicesyncError('invalid_query', 'status must be pending, dead or all');
    }
    const limit = queryLimit(c.req.query('limit'), 100, 1000);
    const rows = await agent.outbox.list(status, limit);
    return c.json({
      entries: rows.map((row) => ({ ...row, priority: PRIORITIES[row.priority] })),
      counts: await agent.outbox.counts(),
    });
  });

  app.post('/retry', async (c) => {
    const requeued = await agent.outbox.retryDead();
    if (requeued > 0) agent.log.info({ requeued }, 'dead letters re-queued');
    return c.json({ requeued });
  });

  return app;
}
