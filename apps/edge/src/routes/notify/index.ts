// GET /v1/notify: a WebSocket to the device's tenant hub, opened only after the Relay authenticated the device.
import { VoicesyncError } from '@voicesync/core';
import { Hono } from 'hono';
// Not the notify index: it exports the hub class, which only loads inside workerd.
import { DEVICE_HEADER } from '../../notify/protocol.ts';
import { tenantHub } from '../../notify/tenant-hubs.ts';
import { relayStub } from '../../relay/stub.ts';
import { type DeviceRoute, deviceGate, relayAnswer } from '../gate.ts';

export const notify = new Hono<DeviceRoute>();

// Credentials first (the gate), so an anonymous caller learns nothing else about the endpoint.
notify.get('/', deviceGate, async (c) => {
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
  return tenantHub(c.env, device.tenantId).fetch(new Request(c.req.url, { headers }));
});
