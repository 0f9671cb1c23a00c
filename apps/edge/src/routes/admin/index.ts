// /v1/admin/devices: create, list and revoke device credentials, behind the ADMIN_TOKEN bearer.
import { VoicesyncError } from '@voicesync/core';
import { speakerIdSchema, storableText } from '@voicesync/schema';
import { Hono } from 'hono';
import { z } from 'zod';
import { isDeviceId, requireAdmin } from '../../auth/index.ts';
import type { Env } from '../../env.ts';
import { unwrap } from '../../errors/index.ts';
import { relayStub } from '../../relay/stub.ts';
import { parseJsonBody, parseQuery } from '../parse.ts';

/** Tenant ids follow the speaker id alphabet: 1-128 of A-Z a-z 0-9 . _ : @ -, starting alphanumeric. */
const tenantIdSchema = speakerIdSchema;

const createDeviceSchema = z.object({
  tenantId: tenantIdSchema,
  name: storableText().max(200).default(''),
});

const listDevicesSchema = z.object({ tenantId: tenantIdSchema });

export const admin = new Hono<{ Bindings: Env }>();

admin.use('*', async (c, next) => {
  requireAdmin(c.env.ADMIN_TOKEN, c.req.header('Authorization'));
  await next();
});

/** The response is the only time the device token is ever shown. */
admin.post('/devices', async (c) => {
  const body = parseJsonBody(await c.req.text(), createDeviceSchema, 'invalid_request');
  return c.json(unwrap(await relayStub(c.env).createDevice(body.tenantId, body.name)), 201);
});

admin.get('/devices', async (c) => {
  const query = parseQuery(c.req.query(), listDevicesSchema);
  return c.json(unwrap(await relayStub(c.env).listDevices(query.tenantId)));
});

admin.post('/devices/:id/revoke', async (c) => {
  const deviceId = c.req.param('id');
  if (!isDeviceId(deviceId)) throw new VoicesyncError('not_found', `no device ${deviceId}`);
  return c.json(unwrap(await relayStub(c.env, deviceId).revokeDevice(deviceId)));
});
