import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { VoicesyncError } from '@voicesync/core';
import type { Context } from 'hono';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { errorResponses, jsonResponse } from './responses.ts';
import { openRoutes } from './route.ts';

const seen: string[] = [];
const route = openRoutes({
  codes: { params: 'invalid_speaker_id', query: 'invalid_query', body: 'invalid_body' },
  readJson: async (c: Context) => {
    seen.push('read');
    return JSON.parse(await c.req.text());
  },
});

function app(): OpenAPIHono {
  const root = new OpenAPIHono();
  const definition = createRoute({
    method: 'post',
    path: '/things/{id}',
    middleware: async (_c, next) => {
      seen.push('middleware');
      await next();
    },
    request: {
      params: z.object({ id: z.string().regex(/^[a-z]+$/) }),
      query: z.object({ n: z.coerce.number().int().default(1) }),
      body: { content: { 'application/json': { schema: z.object({ name: z.string() }) } } },
    },
    responses: { 200: jsonResponse('ok', z.object({ id: z.string() })), ...errorResponses({ 400: 'bad' }) },
  });
  route(root, definition, (c, { params, query, body }) =>
    c.json({ id: params.id, n: query.n, name: body.name }),
  );
  route(root, createRoute({ method: 'get', path: '/other', responses: {} }), (c) => c.text('x'), {
    body: 'invalid_batch',
  });
  root.onError((error, c) =>
    error instanceof VoicesyncError
      ? c.json({ error: { code: error.code, message: error.message, ...error.details } }, 400)
      : c.json({ error: { code: 'internal', message: String(error) } }, 500),
  );
  return root;
}

const post = (path: string, body: string) => app().request(path, { method: 'POST', body });

describe('openRoutes', () => {
  it('hands the handler what the schemas accepted, after the route middleware', async () => {
    seen.length = 0;
    const response = await post('/things/abc?n=3', '{"name":"x"}');
    expect(await response.json()).toEqual({ id: 'abc', n: 3, name: 'x' });
    expect(seen).toEqual(['middleware', 'read']);
  });

  it('checks params, then query, then body, each with its code and the first issue’s path', async () => {
    seen.length = 0;
    expect(await (await post('/things/ABC?n=x', 'nope')).json()).toMatchObject({
      error: { code: 'invalid_speaker_id', path: 'id' },
    });
    expect(seen).toEqual(['middleware']);
    expect(await (await post('/things/abc?n=x', 'nope')).json()).toMatchObject({
      error: { code: 'invalid_query', path: 'n' },
    });
    expect(await (await post('/things/abc', '{"name":1}')).json()).toMatchObject({
      error: { code: 'invalid_body', message: expect.stringMatching(/^name: /), path: 'name' },
    });
  });

  it('documents every route it serves, with {param} paths', () => {
    const document = app().getOpenAPI31Document({ openapi: '3.1.0', info: { title: 't', version: '1' } });
    expect(Object.keys(document.paths ?? {})).toEqual(['/things/{id}', '/other']);
  });
});
