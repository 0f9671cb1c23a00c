// Finds TCP ports that are free on 127.0.0.1 right now, for servers the tests start.
import { createServer } from 'node:net';

// The kernel may hand the same ephemeral port to two probes if the first was not bound yet;
// remembering what this process already handed out avoids giving two servers one port.
const handedOut = new Set<number>();

function probe(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('listen(0) returned no port'));
      });
    });
  });
}

/**
 * A TCP port on 127.0.0.1 that nothing listens on and this process has not handed out before.
 * Another process may still take it before the caller binds it; that window is short.
 *
 * @example const port = await freePort();
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await probe();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('freePort: no unused port after 20 attempts');
}
