// Route side of the device gate: a middleware that runs before any body is read, and the Relay answer it counts.
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { countRelayRefusal, type DeviceCredentials, passDeviceGate } from '../auth/index.ts';
import type { Env } from '../env.ts';
import { type RelayResult, unwrap } from '../errors/index.ts';

export type DeviceRoute = { Bindings: Env; Variables: { credentials: DeviceCredentials } };

/** Refuses (401/429) a token this edge did not sign before the handler, and its body, are reached. */
export const deviceGate = createMiddleware<DeviceRoute>(async (c, next) => {
  c.set('credentials', await passDeviceGate(c.env, c.req));
  await next();
});

/** The value of a Relay answer; an authentication refusal by the Relay counts toward the 429 limit. */
export async function relayAnswer<T>(c: Context<DeviceRoute>, result: RelayResult<T>): Promise<T> {
  return unwrap(await countRelayRefusal(c.env, c.req, c.var.credentials, result));
}
