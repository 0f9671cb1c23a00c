// TenantHub: one Durable Object per tenant holding its devices' notification sockets (hibernation API).
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env.ts';
import { type Attached, type FanOutResult, fanOut, overCap } from './fan-out.ts';
import {
  CLOSE_CODES,
  changedMessage,
  DEVICE_HEADER,
  MAX_SOCKETS_PER_DEVICE,
  PING,
  PONG,
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
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
  }

  /** Accepts an upgrade the notify route forwarded for an authenticated device. */
  override fetch(request: Request): Response {
    const deviceId = request.headers.get(DEVICE_HEADER);
    if (!deviceId || request.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
      return new Response(null, { status: 400 });
    }
    for (const stale of overCap(this.attached(deviceId), MAX_SOCKETS_PER_DEVICE)) {
      closeQuietly(stale.socket, CLOSE_CODES.replaced, 'too many sockets for this device');
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [deviceId]);
    server.serializeAttachment({ deviceId, connectedAt: Date.now() } satisfies SocketAttachment);
    return new Response(null, { status: 101, webSocket: client });
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
