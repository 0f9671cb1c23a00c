// GET /v1/device: the authenticated device's id, tenant and last applied mutation id (agent handshake).
import { Hono } from 'hono';
import { relayStub } from '../../relay/stub.ts';
import { type DeviceRoute, deviceGate, relayAnswer } from '../gate.ts';

export const device = new Hono<DeviceRoute>();

device.get('/', deviceGate, async (c) =>
  c.json(await relayAnswer(c, await relayStub(c.env, c.var.credentials.deviceId).device(c.var.credentials))),
);
