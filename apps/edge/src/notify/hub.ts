// TenantHub: one Durable Object per tenant holding its devices' notification sockets (hibernation API).
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env.ts';
import { allRelays } from '../relay/stub.ts';
import { type Attached, type FanOutResult, fanOut, overCap } from './fan-out.ts';
import {
  CLOSE_CODES,
  changedMessage,
  DEVICE_HEADER,
  MAX_SOCKETS_PER_DEVICE,
  PING,
  PONG,
  TENANT_HEADER,
} from './protocol.ts';

interface SocketAttachment {
  deviceId: string;
  connectedAt: number;
}

function closeQuietly(socket: WebSocket, code: number, reason: string): void {
  try {
    socket.close(code, reason);
  } catch {
    // Already closing or closed: the outcome wanted.
  }
}

/**
 * Sockets are accepted with `ctx.acceptWebSocket`, tagged with their device id, so the hub can
 * be evicted from memory between pushes without dropping them; it is recreated on the next call.
 */
export class TenantHub extends DurableObject<Env> {
  /** Telling the shards that a device joined, while it runs: later joins wait for it too. */
  private telling: Promise<void> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
  }

  /**
   * Accepts an upgrade the notify route forwarded for an authenticated device. A device's first
   * socket is told to every Relay shard before the socket opens: a shard may skip announcing to a
   * tenant where nobody but the pusher listened (`TenantHubs.skips`). The socket is accepted first,
   * so an announcement that reaches the hub from then on counts it; the client's catch-up pull
   * comes after the open, so it reads every change committed before the shards knew.
   */
  override async fetch(request: Request): Promise<Response> {
    const deviceId = request.headers.get(DEVICE_HEADER);
    const tenantId = request.headers.get(TENANT_HEADER);
    if (!deviceId || !tenantId || request.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
      return new Response(null, { status: 400 });
    }
    const existing = this.attached(deviceId);
    for (const stale of overCap(existing, MAX_SOCKETS_PER_DEVICE)) {
      closeQuietly(stale.socket, CLOSE_CODES.replaced, 'too many sockets for this device');
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [deviceId]);
    server.serializeAttachment({ deviceId, connectedAt: Date.now() } satisfies SocketAttachment);
    if (existing.length === 0) this.telling = this.tellShards(tenantId, this.telling);
    const telling = this.telling;
    await telling;
    if (this.telling === telling) this.telling = undefined;
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Never rejects: a shard that did not hear skips announcements at most QUIET_TTL_MS longer. */
  private async tellShards(tenantId: string, before: Promise<void> | undefined): Promise<void> {
    let failed = 0;
    try {
      const told = await Promise.allSettled(allRelays(this.env).map((relay) => relay.listening(tenantId)));
      failed = told.filter((result) => result.status === 'rejected').length;
    } catch {
      failed = 1; // no shard list (RELAY_SHARDS / PG_MAX refused): the Worker refuses every push too
    }
    if (failed > 0) console.warn(`notify: ${failed} Relay shard(s) did not hear that a device joined`);
    await before;
  }

  /** Tells every socket but the pushing device's that the change log grew to `cursor`. */
  changed(cursor: number, exceptDeviceId: string | null): FanOutResult {
    return fanOut(this.attached(), changedMessage(cursor), exceptDeviceId);
  }

  /** Closes a revoked device's sockets; returns how many there were. */
  disconnect(deviceId: string): number {
    const sockets = this.attached(deviceId);
    for (const { socket } of sockets) closeQuietly(socket, CLOSE_CODES.revoked, 'device revoked');
    return sockets.length;
  }

  /** PING never gets here (the runtime answers it); anything else is not part of the protocol. */
  override webSocketMessage(socket: WebSocket): void {
    closeQuietly(socket, CLOSE_CODES.unsupported, `only "${PING}" is accepted`);
  }

  override webSocketClose(socket: WebSocket, code: number, reason: string): void {
    // Completes the closing handshake (without it the client waits ~10 s and sees 1006); 1005 and
    // 1006 are reserved and cannot be sent back.
    closeQuietly(socket, code === 1005 || code === 1006 ? 1000 : code, reason);
  }

  override webSocketError(socket: WebSocket): void {
    closeQuietly(socket, 1011, 'socket error');
  }

  private attached(deviceId?: string): Attached<WebSocket>[] {
    return this.ctx.getWebSockets(deviceId).flatMap((socket) => {
      const attachment = socket.deserializeAttachment() as SocketAttachment | null;
      return attachment ? [{ socket, ...attachment }] : [];
    });
  }
}
