// The edge's route definer and the error answers routes share; GET /openapi.json built once from the definitions.
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { VoicesyncError } from '@voicesync/core';
import { errorResponses, openRoutes } from '@voicesync/schema/openapi';
import type { Context, Env } from 'hono';
import { z } from 'zod';

/** The body parsed as JSON: `invalid_json` when it is not. */
export async function readJsonText(c: Context, ifEmpty?: string): Promise<unknown> {
  return parseJsonText(await c.req.text(), ifEmpty);
}

/** Text parsed as JSON: `invalid_json` when it is not (`ifEmpty` stands in for a blank body). */
export function parseJsonText(text: string, ifEmpty?: string): unknown {
  try {
    return JSON.parse(ifEmpty !== undefined && text.trim() === '' ? ifEmpty : text);
  } catch {
    throw new VoicesyncError('invalid_json', 'request body is not valid JSON');
  }
}

/** Defines an edge route: documented, and its input checked with the edge's error codes. */
export const route = openRoutes({
  codes: { params: 'invalid_request', query: 'invalid_query', body: 'invalid_request' },
  readJson: (c) => readJsonText(c),
});

/** What the device gate and the Relay's authentication can answer on any device route. */
export const deviceErrors = errorResponses({
  401: 'unauthorized: no device token, a malformed or forged one, an expired one, or a replaced secret',
  403: 'device_revoked: the device was revoked',
  429: 'auth_rate_limited: too many failed authentications from this address or device (Retry-After)',
  503: 'upstream_unavailable, pool_timeout or no_database: PostgreSQL cannot be reached now (Retry-After); device_auth_disabled: no DEVICE_TOKEN_KEY',
});

/** What the admin gate can answer on any admin route. */
export const adminErrors = errorResponses({
  401: 'unauthorized: no admin token, or not ADMIN_TOKEN (nor ADMIN_TOKEN_PREVIOUS)',
  429: 'auth_rate_limited: too many failed authentications from this address (Retry-After)',
  503: 'admin_disabled (no ADMIN_TOKEN), admin_token_weak, or PostgreSQL unavailable (Retry-After)',
});

const FRAME = {
  openapi: '3.1.0',
  info: {
    title: 'voicesync edge API',
    version: '1',
    description:
      'The edge Worker: devices push their mutations and pull their tenant’s changes (device token), operators manage devices (admin token). Every error answers `{ "error": { "code", "message", ... } }`; 503 answers carry Retry-After.',
  },
};

const openapiJson = createRoute({
  method: 'get',
  path: '/openapi.json',
  tags: ['documentation'],
  summary: 'This document (OpenAPI 3.1)',
  responses: {
    200: {
      description: 'the OpenAPI document',
      content: { 'application/json': { schema: z.looseObject({ openapi: z.string() }) } },
    },
  },
});

/** Mounts /openapi.json; call it last. The document is generated on its first request, never on push or pull. */
export function documentRoutes<E extends Env>(app: OpenAPIHono<E>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'deviceToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'the device token the admin API issued (`<deviceId>.<secret>.<signature>`)',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'adminToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'the ADMIN_TOKEN secret',
  });
  let document: unknown;
  route(app, openapiJson, (c) => {
    document ??= app.getOpenAPI31Document(FRAME);
    return c.json(document);
  });
}
