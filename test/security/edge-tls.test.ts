// Issue 12, item 4 (edge side): the Relay asks a PostgreSQL host off this machine for TLS before it
// sends anything else, unless DATABASE_URL says `sslmode=disable`. A TCP listener on this machine's
// own non-loopback address records the first bytes the Relay sends (nothing leaves the host).
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, call } from '../../apps/edge/test/edge-client.ts';
import { type EdgeHandle, startEdge } from '../harness/index.ts';

/** PostgreSQL's SSLRequest: length 8, code 80877103. */
const SSL_REQUEST = [0, 0, 0, 8, 4, 210, 22, 47];

const address = Object.values(networkInterfaces())
  .flat()
  .find((entry) => entry && entry.family === 'IPv4' && !entry.internal)?.address;

let edge: EdgeHandle | undefined;
let server: Server | undefined;

afterEach(async () => {
  await edge?.destroy();
  server?.close();
  edge = undefined;
});

/** Starts a listener, points the edge at it with `query`, and returns the first bytes the Relay sent. */
async function firstBytes(query: string): Promise<number[]> {
  const received: Buffer[] = [];
  const listener = createServer((socket) => {
    socket.once('data', (chunk) => {
      received.push(chunk);
      socket.destroy();
    });
  });
  server = listener;
  listener.listen(0, address);
  await once(listener, 'listening');
  const port = (listener.address() as { port: number }).port;
  edge = await startEdge({
    vars: { DATABASE_URL: `postgres://voicesync@${address}:${port}/voicesync${query}`, ADMIN_TOKEN },
  });
  // Creating a device is the Relay's first statement; its answer (a failure) is not waited for.
  void call(edge, 'POST', '/v1/admin/devices', { token: ADMIN_TOKEN, body: { tenantId: 't' } }).catch(
    () => {},
  );
  for (let i = 0; i < 200 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
  return [...(received[0] ?? [])];
}

describe.skipIf(!address)('Relay connections to a PostgreSQL host off this machine', () => {
  it('open with an SSLRequest by default (verified TLS, sslmode=verify-full)', async () => {
    expect((await firstBytes('')).slice(0, 8)).toEqual(SSL_REQUEST);
  });

  it('are plaintext only when the URL says sslmode=disable', async () => {
    const bytes = await firstBytes('?sslmode=disable');
    expect(bytes.slice(0, 8)).not.toEqual(SSL_REQUEST);
    // A StartupMessage: protocol 3.0 after the length.
    expect(bytes.slice(4, 8)).toEqual([0, 3, 0, 0]);
  });
});
