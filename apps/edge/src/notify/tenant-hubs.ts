// How the Relay and the notify route reach a tenant's hub; a notification never fails its caller.
import { errorMessage } from '@voicesync/core';
import type { Env } from '../env.ts';
import type { TenantHub } from './hub.ts';

/** The tenant's hub: one per tenant, so fan-out never crosses tenants. */
export function tenantHub(env: Pick<Env, 'HUB'>, tenantId: string): DurableObjectStub<TenantHub> {
  return env.HUB.get(env.HUB.idFromName(tenantId));
}

/**
 * Announces a committed push to the tenant's other devices. Meant for `ctx.waitUntil`: it never
 * rejects, because a lost notification only delays devices until their next timed pull.
 */
export async function announceChange(
  env: Pick<Env, 'HUB'>,
  tenantId: string,
  cursor: number,
  exceptDeviceId: string | null,
): Promise<void> {
  try {
    const { failed } = await tenantHub(env, tenantId).changed(cursor, exceptDeviceId);
    if (failed > 0) console.warn(`notify: ${failed} socket(s) of a tenant could not be sent a change`);
  } catch (error) {
    console.warn(
      `notify: tenant hub unreachable, devices will catch up on their timer: ${errorMessage(error)}`,
    );
  }
}

/** Closes a revoked device's sockets, best effort: the device is refused at its next connect anyway. */
export async function disconnectDevice(
  env: Pick<Env, 'HUB'>,
  tenantId: string,
  deviceId: string,
): Promise<void> {
  try {
    await tenantHub(env, tenantId).disconnect(deviceId);
  } catch (error) {
    console.warn(`notify: could not close a revoked device's sockets: ${errorMessage(error)}`);
  }
}
