// GET /v1/pull: the tenant's changes after a cursor; an unusable cursor is answered with a reset, not an error.
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { pullQuerySchema, pullResponseSchema } from '@voicesync/schema';
import { errorResponses, jsonResponse } from '@voicesync/schema/openapi';
import { relayStub } from '../../relay/stub.ts';
import { type DeviceRoute, deviceGate, relayAnswer } from '../gate.ts';
import { deviceErrors, route } from '../openapi/index.ts';

/** A missing cursor means "from the start"; anything but a non-negative safe integer is null (reset). */
export function parseCursor(raw: string | undefined): number | null {
  if (raw === undefined) return 0;
  if (!/^\d+$/.test(raw)) return null;
  const cursor = Number(raw);
  return Number.isSafeInteger(cursor) ? cursor : null;
}

export const pull = new OpenAPIHono<DeviceRoute>();

const definition = createRoute({
  method: 'get',
  path: '/',
  tags: ['sync'],
  summary: 'The tenant’s changes after a cursor; an unusable cursor is answered with `reset`, not an error',
  security: [{ deviceToken: [] }],
  middleware: deviceGate,
  request: { query: pullQuerySchema },
  responses: {
    200: jsonResponse(
      'a page of changes, one per speaker, and the cursor to continue from',
      pullResponseSchema,
    ),
    ...deviceErrors,
    ...errorResponses({ 400: 'invalid_query: limit is not an integer from 1 to 500' }),
  },
});

route(pull, definition, async (c, { query }) => {
  const result = await relayStub(c.env, c.var.credentials.deviceId).pull(
    c.var.credentials,
    parseCursor(query.cursor),
    query.limit,
  );
  return c.json(await relayAnswer(c, result));
});
