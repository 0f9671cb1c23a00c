// GET /v1/device: the authenticated device's id, tenant and last applied mutation id (agent handshake).
import { Hono } from 'hono';
import { deviceCredentials } from '../../auth/index.ts';
import type { Env } from '../../env.ts';
import { unwrap } from '../../errors/index.ts';
import { relayStub } from '../../relay/stub.ts';

export const device = new Hono<{ Bindings: Env }>();

device.get('/', async (c) => {
  const credentials = deviceCredentials(c.req.header('Authorization'));
  return c.json(unwrap(await relayStub(c.env, credentials.deviceId).device(credentials)));
});
