// GET /v1/device: the authenticated device's id, tenant and last applied mutation id (agent handshake).
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { deviceStateSchema } from '@voicesync/schema';
import { jsonResponse } from '@voicesync/schema/openapi';
import { relayStub } from '../../relay/stub.ts';
import { type DeviceRoute, deviceGate, relayAnswer } from '../gate.ts';
import { deviceErrors, route } from '../openapi/index.ts';

export const device = new OpenAPIHono<DeviceRoute>();

const definition = createRoute({
  method: 'get',
  path: '/',
  tags: ['sync'],
  summary: 'Who this token belongs to, and the last mutation id the edge applied for it',
  security: [{ deviceToken: [] }],
  middleware: deviceGate,
  responses: { 200: jsonResponse('the device', deviceStateSchema), ...deviceErrors },
});

route(device, definition, async (c) =>
  c.json(await relayAnswer(c, await relayStub(c.env, c.var.credentials.deviceId).device(c.var.credentials))),
);
