// The /v1/notify wire protocol, shared by the hub and its tests: messages, heartbeat and close codes.

/** Sent to every socket of the tenant after a push committed changes; `cursor` is the newest change id. */
export interface ChangedMessage {
  type: 'changed';
  cursor: number;
}

/** The client's heartbeat; the runtime answers it with PONG without waking a hibernating hub. */
export const PING = 'ping';
export const PONG = 'pong';

/** Set by the notify route after the Relay authenticated the device; the hub is not reachable otherwise. */
export const DEVICE_HEADER = 'x-voicesync-device';
/** The device's tenant, set beside DEVICE_HEADER: the hub tells the Relay shards who joined. */
export const TENANT_HEADER = 'x-voicesync-tenant';

/** Sockets one device may hold; more means stale ones a silently dropped network left behind. */
export const MAX_SOCKETS_PER_DEVICE = 4;

/** Close codes in the application range (4000-4999), so a client can tell them from network failures. */
export const CLOSE_CODES = {
  /** The device opened more sockets than the hub keeps; this one was the oldest. */
  replaced: 4001,
  /** The device was revoked; reconnecting will be refused with 403. */
  revoked: 4003,
  /** The client sent something other than PING. */
  unsupported: 1003,
} as const;

export function changedMessage(cursor: number): string {
  const message: ChangedMessage = { type: 'changed', cursor };
  return JSON.stringify(message);
}
