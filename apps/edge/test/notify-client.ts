// Node-only test support for /v1/notify: a WebSocket client that keeps what it hears, and polling.
import WebSocket from 'ws';
import type { Edge } from './edge-client.ts';

export interface Listener {
  socket: WebSocket;
  messages: string[];
  closed: Promise<{ code: number; reason: string }>;
}

/**
 * Opens /v1/notify with `token`; rejects with the HTTP status when the upgrade is refused. Every
 * socket is added to `opened`, so the suite can terminate them at its end.
 */
export function listen(edge: Edge, token: string | undefined, opened: WebSocket[]): Promise<Listener> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const socket = new WebSocket(`${edge.url.replace('http', 'ws')}/v1/notify`, { headers });
  opened.push(socket);
  const messages: string[] = [];
  socket.on('message', (data) => messages.push(String(data)));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket, messages, closed }));
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(String(response.statusCode))),
    );
    socket.once('error', reject);
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check()` holds, polling every 20 ms; throws after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}
