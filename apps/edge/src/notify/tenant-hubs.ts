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
 * How long a hub's answer "no socket but the pusher's" lets a shard skip announcing that device's
 * later pushes. A joining device ends it at once (`listening`); the bound only matters if that
 * signal was lost, and then a device waits at most this long (or its pull timer) for news.
 */
export const QUIET_TTL_MS = 10_000;

/** A tenant whose hub had no socket but `deviceId`'s when last asked. */
interface Quiet {
  deviceId: string;
  until: number;
}

/**
 * The tenant hubs one Durable Object talks to, their stubs kept across its requests: every push
 * announces, and deriving the id (a hash of the name) and the stub each time was ~5 % of a
 * one-mutation push's CPU. Only for a Durable Object: a plain Worker's stub belongs to its request.
 */
export class TenantHubs {
  private readonly stubs = new Map<string, DurableObjectStub<TenantHub>>();
  private readonly quiet = new Map<string, Quiet>();
  /** Counts `listening` calls: a quiet answer that crossed one on the way is not believed. */
  private joins = 0;

  constructor(
    private readonly env: Pick<Env, 'HUB'>,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Whether announcing a push of `deviceId` would reach nobody: the tenant's hub said, less than
   * QUIET_TTL_MS ago, that only this device's sockets (or none) were attached, and no device of
   * the tenant joined since.
   */
  skips(tenantId: string, deviceId: string): boolean {
    const quiet = this.quiet.get(tenantId);
    if (!quiet) return false;
    if (quiet.until > this.now()) return quiet.deviceId === deviceId;
    this.quiet.delete(tenantId);
    return false;
  }

  /** A mark to pass to `heard`: taken before asking the hub, so a join during the call is seen. */
  mark(): number {
    return this.joins;
  }

  /**
   * What announcing a push of `deviceId` found: `others` sockets not its own. None, and no device
   * joined since `mark` (the hub may have answered before it accepted that socket): quiet.
   */
  heard(tenantId: string, deviceId: string, others: number, mark: number): void {
    this.quiet.delete(tenantId);
    if (others > 0 || mark !== this.joins) return;
    this.quiet.set(tenantId, { deviceId, until: this.now() + QUIET_TTL_MS });
    if (this.quiet.size > CACHED_HUB_STUBS) this.quiet.delete(this.quiet.keys().next().value as string);
  }

  /** A device of `tenantId` opened its first socket: announce everything from now on. */
  listening(tenantId: string): void {
    this.joins += 1;
    this.quiet.delete(tenantId);
  }

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

/** Whether an announcement went to the hub, or was skipped because nobody else listens. */
export type Announced = 'sent' | 'skipped';

/**
 * Announces a committed push to the tenant's other devices, unless the hub said that nobody but
 * the pusher listens (`TenantHubs.skips`): a device that joins is told to every shard before its
 * socket opens (`TenantHub.fetch`), so it hears of every push committed after its catch-up pull.
 * A skip is answered at once, with no promise for the runtime to hold the request open for (most
 * households have one listening device, so most pushes skip); otherwise the call to the hub, meant
 * for `ctx.waitUntil`. It never rejects: a lost notification only delays devices until their next
 * timed pull.
 */
export function announceChange(
  hubs: TenantHubs,
  tenantId: string,
  cursor: number,
  exceptDeviceId: string | null,
): 'skipped' | Promise<'sent'> {
  if (exceptDeviceId !== null && hubs.skips(tenantId, exceptDeviceId)) return 'skipped';
  return sendChange(hubs, tenantId, cursor, exceptDeviceId);
}

async function sendChange(
  hubs: TenantHubs,
  tenantId: string,
  cursor: number,
  exceptDeviceId: string | null,
): Promise<'sent'> {
  const mark = hubs.mark();
  try {
    const { sent, failed } = await hubs.get(tenantId).changed(cursor, exceptDeviceId);
    if (exceptDeviceId !== null) hubs.heard(tenantId, exceptDeviceId, sent + failed, mark);
    if (failed > 0) console.warn(`notify: ${failed} socket(s) of a tenant could not be sent a change`);
  } catch (error) {
    hubs.forget(tenantId);
    console.warn(
      `notify: tenant hub unreachable, devices will catch up on their timer: ${errorMessage(error)}`,
    );
  }
  return 'sent';
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
