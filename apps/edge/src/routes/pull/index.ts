// GET /v1/pull: the tenant's changes after a cursor; an unusable cursor is answered with a reset, not an error.
import { pullQuerySchema } from '@voicesync/schema';
import { Hono } from 'hono';
import { relayStub } from '../../relay/stub.ts';
import { type DeviceRoute, deviceGate, relayAnswer } from '../gate.ts';
import { parseQuery } from '../parse.ts';

/** A missing cursor means "from the start"; anything but a non-negative safe integer is null (reset). */
export function parseCursor(raw: string | undefined): number | null {
  if (raw === undefined) return 0;
  if (!/^\d+$/.test(raw)) return null;
  const cursor = Number(raw);
  return Number.isSafeInteger(cursor) ? cursor : null;
}

export const pull = new Hono<DeviceRoute>();

pull.get('/', deviceGate, async (c) => {
  const query = parseQuery(c.req.query(), pullQuerySchema);
  const result = await relayStub(c.env, c.var.credentials.deviceId).pull(
    c.var.credentials,
    parseCursor(query.cursor),
    query.limit,
  );
  return c.json(await relayAnswer(c, result));
});
