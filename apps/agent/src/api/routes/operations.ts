// /health and /v1/sync, and the documentation of routes served by other modules (metrics, sign-in, dashboard).
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { errorResponses, jsonResponse } from '@voicesync/schema/openapi';
import { z } from 'zod';
import type { Agent } from '../../agent.ts';
import { guarded, route } from '../openapi/route.ts';
import { healthSchema, historySchema, syncResultSchema } from '../openapi/schemas.ts';

const html = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });

const health = createRoute({
  method: 'get',
  path: '/health',
  tags: ['operations'],
  summary: 'Liveness (no key needed)',
  security: [],
  responses: {
    200: jsonResponse('the agent answers', healthSchema),
    ...errorResponses({ 403: guarded[403].description }),
  },
});

const sync = createRoute({
  method: 'post',
  path: '/v1/sync',
  tags: ['outbox'],
  summary: 'Upload pending writes now instead of at the next round',
  responses: { 200: jsonResponse('whether an upload was scheduled', syncResultSchema), ...guarded },
});

/** Served by the metrics module; documented here with the rest of the API. */
const metrics = [
  createRoute({
    method: 'get',
    path: '/metrics',
    tags: ['operations'],
    summary: 'Prometheus metrics (text exposition format)',
    responses: {
      200: { description: 'metrics', content: { 'text/plain': { schema: z.string() } } },
      ...guarded,
    },
  }),
  createRoute({
    method: 'get',
    path: '/v1/metrics/history',
    tags: ['operations'],
    summary: 'The recent metrics snapshots the dashboard starts from',
    responses: { 200: jsonResponse('snapshots, oldest first', historySchema), ...guarded },
  }),
];

/** Browser pages: the dashboard (when enabled) and its sign-in (when a key is required). */
const pages = [
  createRoute({
    method: 'get',
    path: '/',
    tags: ['browser'],
    summary: 'The dashboard (loopback host names only; a browser without a session gets the sign-in page)',
    responses: {
      200: html('the dashboard page'),
      ...guarded,
      ...errorResponses({ 403: 'forbidden: not a loopback host name, or another origin' }),
    },
  }),
  createRoute({
    method: 'get',
    path: '/login',
    tags: ['browser'],
    summary: 'The sign-in page; `?code=` spends a one-time link printed at start',
    security: [],
    request: { query: z.object({ code: z.string().optional() }) },
    responses: {
      200: html('the sign-in form'),
      303: { description: 'signed in: a session cookie, then the dashboard' },
      401: html('the code was spent or expired'),
    },
  }),
  createRoute({
    method: 'post',
    path: '/login',
    tags: ['browser'],
    summary: 'Sign in with the API key from a form',
    security: [],
    request: {
      body: { content: { 'application/x-www-form-urlencoded': { schema: z.object({ key: z.string() }) } } },
    },
    responses: {
      303: { description: 'signed in: a session cookie, then the dashboard' },
      401: html('not this agent’s key'),
    },
  }),
];

export function operationRoutes(agent: Agent, app: OpenAPIHono): void {
  route(app, health, (c) => c.json({ ok: true as const }));
  route(app, sync, (c) => {
    agent.pusher?.flushSoon();
    return c.json({ scheduled: agent.pusher !== undefined });
  });
  for (const definition of metrics) app.openAPIRegistry.registerPath(definition);
  if (agent.config.dashboard) app.openAPIRegistry.registerPath(pages[0]!);
  if (agent.access.required)
    for (const definition of pages.slice(1)) app.openAPIRegistry.registerPath(definition);
}
