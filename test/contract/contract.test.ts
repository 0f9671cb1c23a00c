// The contract checker itself: it must catch a drifted body, an undocumented status or route, and an
// operation the suite forgot to call; otherwise the live contract suites could pass vacuously.
import type { AddressInfo } from 'node:net';
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Contract, undocumentedRoutes } from './contract.ts';

const app = new OpenAPIHono();
const answer = z.object({ ok: z.boolean(), nested: z.object({ n: z.number() }) });
app.openapi(
  createRoute({
    method: 'get',
    path: '/thing/{id}',
    request: { params: z.object({ id: z.string() }) },
    responses: { 200: { description: 'ok', content: { 'application/json': { schema: answer } } } },
  }),
  (c) => {
    const id = c.req.valid('param').id;
    if (id === 'extra') return c.json({ ok: true, nested: { n: 1, extra: 1 } } as never, 200);
    if (id === 'typed') return c.json({ ok: 'yes', nested: { n: 1 } } as never, 200);
    if (id === 'missing') return c.json({ ok: false, nested: {} } as never, 200);
    if (id === 'teapot') return c.json({ ok: true, nested: { n: 1 } } as never, 418 as never);
    return c.json({ ok: true, nested: { n: 1 } }, 200);
  },
);
app.get('/undocumented', (c) => c.text('hi'));
const document = app.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 't', version: '1' } });

let server: ReturnType<typeof serve>;
let contract: Contract;

beforeAll(async () => {
  server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  contract = new Contract('sample', document, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('Contract', () => {
  it('accepts an answer as documented, and lists what was not called', async () => {
    expect(contract.unseen({})).toEqual(['GET /thing/{id} 200']);
    await contract.call('GET', '/thing/a', 200);
    expect(contract.unseen({})).toEqual([]);
  });

  it.each(['extra', 'typed', 'missing', 'teapot'])('refuses a drifted answer (%s)', async (id) => {
    await expect(contract.call('GET', `/thing/${id}`, id === 'teapot' ? 418 : 200)).rejects.toThrow();
  });

  it('names a route of the app that the document lacks', () => {
    expect(undocumentedRoutes(app.routes, document, /^$/)).toEqual(['GET /undocumented']);
  });

  it('refuses a call to a path the document lacks', async () => {
    await expect(contract.call('GET', '/undocumented', 200)).rejects.toThrow(/not in the document/);
  });
});
