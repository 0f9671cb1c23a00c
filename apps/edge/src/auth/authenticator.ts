// Authenticates device credentials against a (cached) lookup; one lookup per device in flight at a time.
import { type Clock, systemClock, VoicesyncError } from '@voicesync/core';
import type { DeviceCache, DeviceRecord } from './cache.ts';
import type { DeviceCredentials } from './token.ts';
import { secretMatches } from './secret.ts';

export class DeviceAuthenticator {
  private readonly inFlight = new Map<string, Promise<DeviceRecord | null>>();

  constructor(
    private readonly cache: DeviceCache,
    private readonly lookup: (deviceId: string) => Promise<DeviceRecord | null>,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * The device's record; `unauthorized` for an unknown device or a wrong secret (the same
   * answer, so ids cannot be probed), `device_revoked` only to a holder of the right secret.
   */
  async authenticate(credentials: DeviceCredentials): Promise<DeviceRecord> {
    const record = await this.find(credentials.deviceId);
    if (!record || !(await this.accepts(record, credentials.secret))) {
      throw new VoicesyncError('unauthorized', 'unknown device or wrong secret');
    }
    if (record.revoked) throw new VoicesyncError('device_revoked', 'this device has been revoked');
    return record;
  }

  /** The current secret, or the one before a rotation while its grace period lasts. */
  private async accepts(record: DeviceRecord, secret: string): Promise<boolean> {
    if (await secretMatches(secret, record.secretHash)) return true;
    const { previousSecretHash, previousSecretUntil } = record;
    if (!previousSecretHash || previousSecretUntil === undefined || previousSecretUntil <= this.clock.now()) {
      return false;
    }
    return secretMatches(secret, previousSecretHash);
  }

  /** Forgets the device, including a lookup in flight, so a revoke takes effect at once. */
  evict(deviceId: string): void {
    this.cache.evict(deviceId);
    this.inFlight.delete(deviceId);
  }

  private find(deviceId: string): Promise<DeviceRecord | null> {
    const cached = this.cache.get(deviceId);
    if (cached !== undefined) return Promise.resolve(cached);
    const pending = this.inFlight.get(deviceId);
    if (pending) return pending;
    const lookup: Promise<DeviceRecord | null> = this.lookup(deviceId)
      .then((record) => {
        // An eviction while the lookup ran means its answer may predate a revoke: do not keep it.
        if (this.inFlight.get(deviceId) === lookup) this.cache.set(deviceId, record);
        return record;
      })
      .finally(() => {
        if (this.inFlight.get(deviceId) === lookup) this.inFlight.delete(deviceId);
      });
    this.inFlight.set(deviceId, lookup);
    return lookup;
  }
}
