// Fan-out and the per-device socket cap: pure functions over attached sockets, so Node tests cover them.

export interface Sendable {
  send(message: string): void;
}

/** A socket with what the hub stored beside it when it was accepted. */
export interface Attached<S> {
  socket: S;
  deviceId: string;
  connectedAt: number;
}

export interface FanOutResult {
  sent: number;
  /** Sockets that threw on send: they are closing, and the runtime will report their close. */
  failed: number;
}

/**
 * Sends `message` to every socket except those of `exceptDeviceId` (the device whose push is
 * announced already holds those changes). One failing socket never stops the others.
 */
export function fanOut(
  targets: Attached<Sendable>[],
  message: string,
  exceptDeviceId: string | null,
): FanOutResult {
  const result: FanOutResult = { sent: 0, failed: 0 };
  for (const target of targets) {
    if (target.deviceId === exceptDeviceId) continue;
    try {
      target.socket.send(message);
      result.sent += 1;
    } catch {
      result.failed += 1;
    }
  }
  return result;
}

/**
 * The sockets of one device to close before a new one joins, so it keeps at most `max`: oldest
 * first. A reconnecting agent leaves its previous socket behind when the network dropped silently.
 */
export function overCap<S>(existing: Attached<S>[], max: number): Attached<S>[] {
  const excess = existing.length + 1 - max;
  if (excess <= 0) return [];
  return [...existing].sort((a, b) => a.connectedAt - b.connectedAt).slice(0, excess);
}
