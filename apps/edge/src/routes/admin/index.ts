// /v1/admin/devices: create, list, rotate and revoke device credentials, behind the ADMIN_TOKEN bearer.
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { VoicesyncError } from '@voicesync/core';
import {
  deviceListSchema,
  deviceSummarySchema,
  issuedDeviceSchema,
  rotatedDeviceSchema,
  speakerIdSchema,
  storableText,
} from '@voicesync/schema';
import { errorResponses, jsonResponse } from '@voicesync/schema/openapi';
import { createMiddleware } from 'hono/factory';
import { z } from 'zod';
import { clientAddress, isDeviceId, refuseAuthentication, requireAdmin } from '../../auth/index.ts';
import { checkAdminTokenStrength, tokenKeys } from '../../config/index.ts';
import type { Env } from '../../env.ts';
import { unwrap } from '../../errors/index.ts';
import { relayStub } from '../../relay/stub.ts';
import { adminErrors, readJsonText, route } from '../openapi/index.ts';
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

export const admin = new OpenAPIHono<{ Bindings: Env }>();

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

const adminRoute = { tags: ['admin'], security: [{ adminToken: [] }] };
const deviceParams = z.object({ id: z.string().describe('the device id') });
/** A path id that cannot be a device id is a 404 before any body is read, as an unknown device is. */
const knownDeviceId = createMiddleware<{ Bindings: Env }>(async (c, next) => {
  const deviceId = c.req.param('id') ?? '';
  if (!isDeviceId(deviceId)) throw new VoicesyncError('not_found', `no device ${deviceId}`);
  await next();
});
const unknownDevice = errorResponses({ 404: 'not_found: no such device' });
const badBody = errorResponses({ 400: 'invalid_json, or invalid_request (with `path`)' });
const jsonBody = <S extends z.ZodType>(schema: S, required: boolean) =>
  ({ required, content: { 'application/json': { schema } } }) as const;

const create = createRoute({
  ...adminRoute,
  method: 'post',
  path: '/devices',
  summary: 'Create a device (and its tenant when new); the answer is the only time its token is shown',
  request: { body: jsonBody(createDeviceSchema, true) },
  responses: {
    201: jsonResponse('the device and its token', issuedDeviceSchema),
    ...badBody,
    ...adminErrors,
  },
});

const list = createRoute({
  ...adminRoute,
  method: 'get',
  path: '/devices',
  summary: 'A tenant’s devices (never a secret)',
  request: { query: listDevicesSchema },
  responses: {
    200: jsonResponse('the devices, oldest first', deviceListSchema),
    ...errorResponses({ 400: 'invalid_query: tenantId is missing or malformed' }),
    ...adminErrors,
  },
});

const rotate = createRoute({
  ...adminRoute,
  method: 'post',
  path: '/devices/{id}/rotate',
  summary:
    'A new token for the device; the old one keeps working for `graceSeconds` (default 1 h); the body may be empty',
  middleware: knownDeviceId,
  request: { params: deviceParams, body: jsonBody(rotateDeviceSchema, false) },
  responses: {
    200: jsonResponse('the device, its new token, and until when the old one works', rotatedDeviceSchema),
    ...badBody,
    ...adminErrors,
    ...unknownDevice,
  },
});

const revoke = createRoute({
  ...adminRoute,
  method: 'post',
  path: '/devices/{id}/revoke',
  summary: 'Revoke a device: its tokens stop working (idempotent)',
  middleware: knownDeviceId,
  request: { params: deviceParams },
  responses: {
    200: jsonResponse('the device, revoked', deviceSummarySchema),
    ...adminErrors,
    ...unknownDevice,
  },
});

route(admin, create, async (c, { body }) => {
  // Before the row exists: without a signing key no token could be handed out for it.
  const keys = tokenKeys(c.env);
  const created = unwrap(await relayStub(c.env).createDevice(body.tenantId, body.name));
  return c.json(await issueToken(keys, created, body.expiresInSeconds), 201);
});

route(admin, list, async (c, { query }) =>
  c.json(unwrap(await relayStub(c.env).listDevices(query.tenantId))),
);

route(
  admin,
  rotate,
  async (c, { params: { id: deviceId }, body }) => {
    const keys = tokenKeys(c.env);
    const rotated = unwrap(await relayStub(c.env, deviceId).rotateDevice(deviceId, body.graceSeconds * 1000));
    const graceUntil = new Date(Date.now() + body.graceSeconds * 1000).toISOString();
    return c.json({
      ...(await issueToken(keys, rotated, body.expiresInSeconds)),
      previousTokenValidUntil: graceUntil,
    });
  },
  { readJson: (c) => readJsonText(c, '{}') },
);

route(admin, revoke, async (c, { params: { id: deviceId } }) =>
  c.json(unwrap(await relayStub(c.env, deviceId).revokeDevice(deviceId))),
);
