// Issue 12, item 4: `voicesync db migrate` spoke plaintext (password included) to any PostgreSQL whose URL did not ask
// for TLS. Now a non-loopback host gets verified TLS first; plaintext only when the URL or PGSSLMODE says so.
import { createServer, type Server } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { withTlsDefault } from '../../apps/agent/src/cli/commands/postgres-tls.ts';
import { runCli } from './run-cli.ts';

const SSL_REQUEST = 80877103;
const PROTOCOL_3 = 196608;

/** This machine's own non-loopback IPv4 address: not loopback by name, yet the bytes never leave the host. */
const ownAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a?.family === 'IPv4' && !a.internal)?.address;

/** A server that records the code of each client's first message and answers an SSLRequest with "no". */
async function recordingServer(seen: number[]): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    socket.once('data', (chunk) => {
      seen.push(chunk.readInt32BE(4));
      if (chunk.readInt32BE(4) === SSL_REQUEST) socket.end('N');
      else socket.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, ownAddress, resolve));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0 };
}

describe('db migrate and TLS', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it('chooses verify-full for remote hosts only, and never overrides the URL or PGSSLMODE', () => {
    expect(withTlsDefault('postgres://u:p@db.example.com:5432/app', {})).toBe(
      'postgres://u:p@db.example.com:5432/app?sslmode=verify-full',
    );
    expect(withTlsDefault('postgres://u:p@10.0.0.5/app', {})).toContain('sslmode=verify-full');
    for (const local of [
      'postgres://u@127.0.0.1:5432/db',
      'postgres://u@localhost/db',
      'postgres://u@[::1]/db',
    ]) {
      expect(withTlsDefault(local, {})).toBe(local);
    }
    expect(withTlsDefault('postgres://u@db.example.com/app?sslmode=disable', {})).toContain(
      'sslmode=disable',
    );
    expect(withTlsDefault('postgres://u@db.example.com/app', { PGSSLMODE: 'require' })).toContain(
      'sslmode=require',
    );
  });

  it.skipIf(!ownAddress)(
    'asks a non-loopback server for TLS before any credential, and stops when it has none',
    async () => {
      const seen: number[] = [];
      const started = await recordingServer(seen);
      server = started.server;
      const url = `postgres://app:s3cret-pw@${ownAddress}:${started.port}/voicesync`;
      const refused = await runCli(['db', 'migrate', '--url', url]);
      expect(seen[0]).toBe(SSL_REQUEST);
      expect(seen).not.toContain(PROTOCOL_3);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).not.toContain('s3cret-pw');
      // Plaintext when the URL says so (the old default for every URL).
      seen.length = 0;
      await runCli(['db', 'migrate', '--url', `${url}?sslmode=disable`]);
      expect(seen[0]).toBe(PROTOCOL_3);
    },
  );
});
