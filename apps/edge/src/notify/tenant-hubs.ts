// How the Relay and the notify route reach a tenant's hub; a notification never fails its caller.
import { errorMessage } from '@voicesync/core';
import type { Env } from '../env.ts';
import type { TenantHub } from './hub.ts';

/** The tenant's hub: one per tenant, so fan-out never crosses tenants. */
export function tenantHub(env: Pick<Env, 'HUB'>, tenantId: string): DurableObjectStub<TenantHub> {
  return env.HUB.get(env.HUB.idFromName(tenantId));
}

/** How many tenants' stubs a Relay keeps; beyond it the least recently used is dropped. */
export const CACHED_HUB_STUBS = 1024;

/**
 * The tenant hubs one Durable Object talks to, their stubs kept across its requests: every push
 * announces, and deriving the id (a hash of the name) and the stub each time was ~5 % of a
 * one-mutation push's CPU. Only for a Durable Object: a plain Worker's stub belongs to its request.
 */
export class TenantHubs {
  private readonly stubs = new Map<string, DurableObjectStub<TenantHub>>();

  constructor(private readonly env: Pick<Env, 'HUB'>) {}

  get(tenantId: string): DurableObjectStub<TenantHub> {
    let stub = this.stubs.get(tenantId);
    if (stub) this.stubs.delete(tenantId);
    else stub = tenantHub(this.env, tenantId);
    this.stubs.set(tenantId, stub);
    if (this.stubs.size > CACHED_HUB_STUBS) this.stubs.delete(this.stubs.keys().next().value as string);
    return stub;
  }

  /** After a failed call: the next one starts from a fresh stub (a broken stub stays broken). */
  forget(tenantId: string): void {
    this.stubs.delete(tenantId);
  }
}

/**
 * Announces a committed push to the tenant's other devices. Meant for `ctx.waitUntil`: it never
 * rejects, because a lost notification only delays devices until their next timed pull.
 */
export async function announceChange(
  hubs: TenantHubs,
  tenantId: string,
  cursor: number,
  exceptDeviceId: string | null,
): Promise<void> {
  try {
    const { failed } = await hubs.get(tenantId).changed(cursor, exceptDeviceId);
    if (failed > 0) console.warn(`notify: ${failed} socket(s) of a tenant could not be sent a change`);
  } catch (error) {
    hubs.forget(tenantId);
    console.warn(
      `notify: tenant hub unreachable, devices will catch up on their timer: ${errorMessage(error)}`,
    );
  }
}

/** Closes a revoked device's sockets, best effort: the device is refused at its next connect anyway. */
export async function disconnectDevice(hubs: TenantHubs, tenantId: string, deviceId: string): Promise<void> {
  try {
    await hubs.get(tenantId).disconnect(deviceId);
  } catch (error) {
    hubs.forget(tenantId);
    console.warn(`notify: could not close a revoked device's sockets: ${errorMessage(error)}`);
  }
}
