// GET /v1/notify: a WebSocket to the device's tenant hub, opened only after the Relay authenticated the device.
import { VoicesyncError } from '@voicesync/core';
import { Hono } from 'hono';
import { deviceCredentials } from '../../auth/index.ts';
import type { Env } from '../../env.ts';
import { unwrap } from '../../errors/index.ts';
// Not the notify index: it exports the hub class, which only loads inside workerd.
import { DEVICE_HEADER } from '../../notify/protocol.ts';
import { tenantHub } from '../../notify/tenant-hubs.ts';
import { relayStub } from '../../relay/stub.ts';

export const notify = new Hono<{ Bindings: Env }>();

notify.get('/', async (c) => {
  // Credentials first, so an anonymous caller learns nothing else about the endpoint.
  const credentials = deviceCredentials(c.req.header('Authorization'));
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
  const device = unwrap(await relayStub(c.env, credentials.deviceId).authorize(credentials));
  const headers = new Headers(c.req.raw.headers);
  // The hub never sees the secret; it trusts the device id set here.
  headers.delete('Authorization');
  headers.set(DEVICE_HEADER, device.deviceId);
  return tenantHub(c.env, device.tenantId).fetch(new Request(c.req.url, { headers }));
});
