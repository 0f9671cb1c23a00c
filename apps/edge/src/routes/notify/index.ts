// GET /v1/notify: a WebSocket to the device's tenant hub, opened only after the Relay authenticated the device.
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { VoicesyncError } from '@voicesync/core';
import { errorResponses } from '@voicesync/schema/openapi';
// Not the notify index: it exports the hub class, which only loads inside workerd.
import { DEVICE_HEADER, TENANT_HEADER } from '../../notify/protocol.ts';
import { tenantHub } from '../../notify/tenant-hubs.ts';
import { relayStub } from '../../relay/stub.ts';
import { type DeviceRoute, deviceGate, relayAnswer } from '../gate.ts';
import { deviceErrors, route } from '../openapi/index.ts';

export const notify = new OpenAPIHono<DeviceRoute>();

const definition = createRoute({
  method: 'get',
  path: '/',
  tags: ['sync'],
  summary: 'A WebSocket on which the edge says when the tenant has new changes to pull',
  description:
    'Send `Upgrade: websocket`, `Sec-WebSocket-Version: 13` and a `Sec-WebSocket-Key` (RFC 6455) with the device token.',
  security: [{ deviceToken: [] }],
  // Credentials first (the gate), so an anonymous caller learns nothing else about the endpoint.
  middleware: deviceGate,
  responses: {
    101: { description: 'switching protocols: the socket is open' },
    ...deviceErrors,
    ...errorResponses({
      400: 'invalid_request: a WebSocket handshake without version 13 or a key',
      426: 'upgrade_required: a plain GET, without Upgrade: websocket',
    }),
  },
});

route(notify, definition, async (c) => {
  if (c.req.header('Upgrade')?.toLowerCase() !== 'websocket') {
    throw new VoicesyncError('upgrade_required', 'GET /v1/notify expects a WebSocket upgrade');
  }
  // Checked here, before the hub accepts anything: workerd would answer a bad handshake itself,
  // in plain text, after the hub had already taken the socket.
  if (c.req.header('Sec-WebSocket-Version') !== '13' || !c.req.header('Sec-WebSocket-Key')) {
    throw new VoicesyncError(
      'invalid_request',
      'a WebSocket handshake needs Sec-WebSocket-Version: 13 and a Sec-WebSocket-Key (RFC 6455)',
    );
  }
  const device = await relayAnswer(
    c,
    await relayStub(c.env, c.var.credentials.deviceId).authorize(c.var.credentials),
  );
  const headers = new Headers(c.req.raw.headers);
  // The hub never sees the secret; it trusts the device id set here.
  headers.delete('Authorization');
  headers.set(DEVICE_HEADER, device.deviceId);
  headers.set(TENANT_HEADER, device.tenantId);
  return tenantHub(c.env, device.tenantId).fetch(new Request(c.req.url, { headers }));
});
