// GET /openapi.json and GET /docs: the agent API described from its route definitions, built once on first request.
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { errorResponses } from '@voicesync/schema/openapi';
import { z } from 'zod';
import { loopbackOnly } from '../guard.ts';
import { docsPage, type OpenApiDocument } from './docs-page.ts';
import { route } from './route.ts';

const loopbackRefused = errorResponses({ 403: 'forbidden: not a loopback host name, or another origin' });

const openapiJson = createRoute({
  method: 'get',
  path: '/openapi.json',
  tags: ['documentation'],
  summary: 'This document (OpenAPI 3.1; no key needed)',
  security: [],
  responses: {
    200: {
      description: 'the OpenAPI document',
      content: { 'application/json': { schema: z.looseObject({ openapi: z.string() }) } },
    },
    ...loopbackRefused,
  },
});

const docs = createRoute({
  method: 'get',
  path: '/docs',
  tags: ['documentation'],
  summary: 'Readable API docs, rendered from this document (loopback host names only, no key needed)',
  security: [],
  middleware: [loopbackOnly('the API docs are')],
  responses: {
    200: { description: 'the docs page', content: { 'text/html': { schema: z.string() } } },
    ...loopbackRefused,
  },
});

/** The document's frame: title, the bearer scheme, and the key on every route that does not waive it. */
const FRAME = {
  openapi: '3.1.0',
  info: {
    title: 'voicesync agent API',
    version: '1',
    description:
      'The local agent: verify and identify speakers from memory, enrol and manage voice profiles, inspect the sync outbox. Every route but /health, /openapi.json, /docs and /login needs the API key (`api-key` beside the database) as `Authorization: Bearer <key>`, unless the agent runs with allowUnauthenticated or the request comes on its 0600 Unix socket. Every error answers `{ "error": { "code", "message", ... } }`.',
  },
  security: [{ apiKey: [] }],
};

/**
 * Mounts /openapi.json and /docs on `app`; call it after every other route is defined (the
 * document is generated from the registry on the first request, then kept).
 */
export function documentRoutes(app: OpenAPIHono): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description:
      'the agent’s API key: the file `api-key` beside its database (`.voicesync/api-key` for npm start)',
  });
  let document: OpenApiDocument | undefined;
  let page: string | undefined;
  const current = () => {
    document ??= app.getOpenAPI31Document(FRAME) as OpenApiDocument;
    return document;
  };
  route(app, openapiJson, (c) => c.json(current()));
  route(app, docs, (c) => {
    page ??= docsPage(current());
    return c.html(page, 200, {
      'content-security-policy':
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    });
  });
}
