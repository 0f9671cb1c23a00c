// GET /v1/pull: the tenant's changes after a cursor; an unusable cursor is answered with a reset, not an error.
import { pullQuerySchema } from '@voicesync/schema';
import { Hono } from 'hono';
import { deviceCredentials } from '../../auth/index.ts';
import type { Env } from '../../env.ts';
import { unwrap } from '../../errors/index.ts';
import { relayStub } from '../../relay/stub.ts';
import { parseQuery } from '../parse.ts';

/** A missing cursor means "from the start"; anything but a non-negative safe integer is null (reset). */
export function parseCursor(raw: string | undefined): number | null {
  if (raw === undefined) return 0;
  if (!/^\d+$/.test(raw)) return null;
  const cursor = Number(raw);
  return Number.isSafeInteger(cursor) ? cursor : null;
}

export const pull = new Hono<{ Bindings: Env }>();

pull.get('/', async (c) => {
  const credentials = deviceCredentials(c.req.header('Authorization'));
  const query = parseQuery(c.req.query(), pullQuerySchema);
  return c.json(
    unwrap(
      await relayStub(c.env, credentials.deviceId).pull(credentials, parseCursor(query.cursor), query.limit),
    ),
  );
});
