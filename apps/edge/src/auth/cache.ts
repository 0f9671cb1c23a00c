// Short-lived memory of device lookups, so a burst of requests does not cost one query each.
import type { Clock } from '@voicesync/core';

/** What the Relay needs to know about a device to authenticate it. */
export interface DeviceRecord {
  deviceId: string;
  tenantId: string;
  secretHash: string;
  revoked: boolean;
  /** After a rotation: the secret before it still works until `previousSecretUntil` (epoch ms). */
  previousSecretHash?: string;
  previousSecretUntil?: number;
}

/**
 * Caches lookups (including "no such device") for `ttlMs`. Revoking evicts the entry, and the
 * push transaction re-reads `revoked_at` under its row lock, so a revoke is never outlived.
 */
export class DeviceCache {
  private readonly entries = new Map<string, { record: DeviceRecord | null; expiresAt: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  /** The cached record, null for a cached miss, undefined when unknown or expired. */
  get(deviceId: string): DeviceRecord | null | undefined {
    const entry = this.entries.get(deviceId);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.clock.now()) {
      this.entries.delete(deviceId);
      return undefined;
    }
    return entry.record;
  }

  set(deviceId: string, record: DeviceRecord | null): void {
    // Insertion order makes the first key the oldest: a cheap bound on memory.
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value ?? '');
    this.entries.set(deviceId, { record, expiresAt: this.clock.now() + this.ttlMs });
  }

  evict(deviceId: string): void {
    this.entries.delete(deviceId);
  }
}
