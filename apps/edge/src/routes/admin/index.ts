// /v1/admin/devices: create, list, rotate and revoke device credentials, behind the ADMIN_TOKEN bearer.
import { VoicesyncError } from '@voicesync/core';
import { speakerIdSchema, storableText } from '@voicesync/schema';
import { Hono } from 'hono';
import { z } from 'zod';
import { clientAddress, isDeviceId, refuseAuthentication, requireAdmin } from '../../auth/index.ts';
import { checkAdminTokenStrength, tokenKeys } from '../../config/index.ts';
import type { Env } from '../../env.ts';
import { unwrap } from '../../errors/index.ts';
import { relayStub } from '../../relay/stub.ts';
import { parseJsonBody, parseQuery } from '../parse.ts';
import { issueToken, tokenLifetimeSchema } from './issue.ts';

/** Tenant ids follow the speaker id alphabet: 1-128 of A-Z a-z 0-9 . _ : @ -, starting alphanumeric. */
const tenantIdSchema = speakerIdSchema;

const createDeviceSchema = z.object({
  tenantId: tenantIdSchema,
  name: storableText().max(200).default(''),
  ...tokenLifetimeSchema.shape,
});

/** Default grace of a rotation: long enough for a device that syncs every 30 s to pick up its token. */
export const DEFAULT_ROTATION_GRACE_S = 3600;

const rotateDeviceSchema = z.object({
  /** How long the replaced secret keeps working; 0 stops it at once (e.g. after a leak). */
  graceSeconds: z
    .number()
    .int()
    .min(0)
    .max(30 * 86_400)
    .default(DEFAULT_ROTATION_GRACE_S),
  ...tokenLifetimeSchema.shape,
});

const listDevicesSchema = z.object({ tenantId: tenantIdSchema });

export const admin = new Hono<{ Bindings: Env }>();

admin.use('*', async (c, next) => {
  try {
    requireAdmin(c.env.ADMIN_TOKEN, c.req.header('Authorization'), c.env.ADMIN_TOKEN_PREVIOUS);
  } catch (error) {
    if (!(error instanceof VoicesyncError) || error.code !== 'unauthorized') throw error;
    await refuseAuthentication(
      c.env,
      { address: clientAddress({ get: (name) => c.req.header(name) ?? null }) },
      error,
    );
  }
  checkAdminTokenStrength(c.env.ADMIN_TOKEN ?? '', c.req.url);
  await next();
});

/** The response is the only time the device token is ever shown. */
admin.post('/devices', async (c) => {
  const body = parseJsonBody(await c.req.text(), createDeviceSchema, 'invalid_request');
  // Before the row exists: without a signing key no token could be handed out for it.
  const keys = tokenKeys(c.env);
  const created = unwrap(await relayStub(c.env).createDevice(body.tenantId, body.name));
  return c.json(await issueToken(keys, created, body.expiresInSeconds), 201);
});

admin.get('/devices', async (c) => {
  const query = parseQuery(c.req.query(), listDevicesSchema);
  return c.json(unwrap(await relayStub(c.env).listDevices(query.tenantId)));
});

/** A new token for the device; the old one keeps working for `graceSeconds` (default 1 h). */
admin.post('/devices/:id/rotate', async (c) => {
  const deviceId = c.req.param('id');
  if (!isDeviceId(deviceId)) throw new VoicesyncError('not_found', `no device ${deviceId}`);
  const text = await c.req.text();
  const body = parseJsonBody(text.trim() === '' ? '{}' : text, rotateDeviceSchema, 'invalid_request');
  const keys = tokenKeys(c.env);
  const rotated = unwrap(await relayStub(c.env, deviceId).rotateDevice(deviceId, body.graceSeconds * 1000));
  const graceUntil = new Date(Date.now() + body.graceSeconds * 1000).toISOString();
  return c.json({
    ...(await issueToken(keys, rotated, body.expiresInSeconds)),
    previousTokenValidUntil: graceUntil,
  });
});

admin.post('/devices/:id/revoke', async (c) => {
  const deviceId = c.req.param('id');
  if (!isDeviceId(deviceId)) throw new VoicesyncError('not_found', `no device ${deviceId}`);
  return c.json(unwrap(await relayStub(c.env, deviceId).revokeDevice(deviceId)));
});
