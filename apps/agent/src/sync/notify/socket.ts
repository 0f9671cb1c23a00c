// The notification socket as the Notifier sees it, and its default implementation on the `ws` package.
import WebSocket from 'ws';

export interface NotifySocket {
  send(message: string): void;
  /** Drops the connection at once; `onClose` follows. */
  terminate(): void;
}

/** Why a socket ended: `status` when the edge refused the upgrade, `code` when an open socket closed. */
export interface NotifyClose {
  status?: number;
  code?: number;
  reason: string;
}

export interface NotifyHandlers {
  onOpen(): void;
  onMessage(message: string): void;
  /** Called exactly once per socket, whether it ever opened or not. */
  onClose(close: NotifyClose): void;
}

/** Opens a socket to `url` with the device token; injected so tests can cut the network. */
export type ConnectNotify = (url: string, token: string, handlers: NotifyHandlers) => NotifySocket;

/** Node 20 has no WebSocket client; `ws` can send the Authorization header browsers cannot. */
export const connectWithWs: ConnectNotify = (url, token, handlers) => {
  const socket = new WebSocket(url, {
    headers: { authorization: `Bearer ${token}` },
    handshakeTimeout: 10_000,
  });
  let status: number | undefined;
  let failure = '';
  socket.on('open', () => handlers.onOpen());
  socket.on('message', (data) => handlers.onMessage(String(data)));
  socket.on('unexpected-response', (_request, response) => {
    status = response.statusCode;
    response.resume();
    socket.terminate();
  });
  // Reported through onClose, which always follows; the message carries no credential.
  socket.on('error', (error) => {
    failure = error.message;
  });
  socket.on('close', (code, reason) => {
    const text = String(reason) || failure;
    handlers.onClose(status === undefined ? { code, reason: text } : { status, reason: text });
  });
  return { send: (message) => socket.send(message), terminate: () => socket.terminate() };
};
