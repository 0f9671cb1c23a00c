import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { jsonResponse } from '@voicesync/schema/openapi';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { documentRoutes } from './document.ts';
import { route } from './route.ts';

function app(): OpenAPIHono {
  const root = new OpenAPIHono();
  const ping = createRoute({
    method: 'get',
    path: '/v1/ping/{id}',
    summary: 'Answers <b>pong</b>',
    request: { params: z.object({ id: z.string() }) },
    responses: { 200: jsonResponse('pong', z.object({ pong: z.boolean() })) },
  });
  route(root, ping, (c) => c.json({ pong: true }));
  documentRoutes(root);
  return root;
}

describe('documentRoutes', () => {
  it('serves the OpenAPI 3.1 document with the bearer key required by default', async () => {
    const response = await app().request('http://127.0.0.1:7420/openapi.json');
    const document = (await response.json()) as {
      openapi: string;
      security: unknown;
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    expect(document.openapi).toBe('3.1.0');
    expect(document.security).toEqual([{ apiKey: [] }]);
    expect(Object.keys(document.paths)).toEqual(['/v1/ping/{id}', '/openapi.json', '/docs']);
    expect(document.paths['/docs']?.get?.security).toEqual([]);
  });

  it('renders /docs on loopback names as one page without scripts, listing every operation', async () => {
    for (const host of ['127.0.0.1:7420', 'localhost:7420', '[::1]:7420']) {
      const page = await app().request(`http://${host}/docs`);
      expect(page.status, host).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
      const html = await page.text();
      expect(html).not.toContain('<script');
      for (const operation of ['GET /v1/ping/{id}', 'GET /openapi.json', 'GET /docs'])
        expect(html).toContain(operation);
      expect(html).toContain('Answers &#60;b&#62;pong&#60;/b&#62;');
    }
  });

  it('refuses /docs on any other host name, as the dashboard does', async () => {
    for (const host of ['192.168.1.20:7420', 'voice.lan']) {
      const page = await app().request(`http://${host}/docs`);
      expect(page.status, host).toBe(403);
      expect(await page.json()).toMatchObject({ error: { code: 'forbidden' } });
    }
  });
});
