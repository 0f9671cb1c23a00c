import { createConnection, createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy } from './index.ts';

/** Sends `text`, resolves with the echo, or with the socket error code, or 'silence' after `waitMs`. */
function exchange(port: number, text: string, waitMs = 1_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write(text));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('silence');
    }, waitMs);
    socket.on('data', (chunk) => {
      clearTimeout(timer);
      socket.end();
      resolve(chunk.toString());
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(error.code ?? 'error');
    });
  });
}

describe('fault proxy', () => {
  let echo: Server;
  let echoPort = 0;
  beforeAll(async () => {
    echo = createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const address = echo.address();
    echoPort = typeof address === 'object' && address ? address.port : 0;
  });
  afterAll(() => new Promise<void>((resolve) => echo.close(() => resolve())));

  it('passes, delays, stalls and resets on command', async () => {
    const proxy = await startFaultProxy({ target: () => ({ port: echoPort }) });
    try {
      expect(await exchange(proxy.port, 'hello')).toBe('hello');
      proxy.set('latency', { latencyMs: 150 });
      const started = performance.now();
      expect(await exchange(proxy.port, 'slow')).toBe('slow');
      // Both directions wait: at least two delays.
      expect(performance.now() - started).toBeGreaterThanOrEqual(290);
      proxy.set('stall');
      expect(await exchange(proxy.port, 'lost', 400)).toBe('silence');
      proxy.set('reset');
      expect(await exchange(proxy.port, 'refused')).toBe('ECONNRESET');
      proxy.set('pass');
      expect(await exchange(proxy.port, 'back')).toBe('back');
      expect(proxy.accepted).toBe(5);
    } finally {
      await proxy.close();
    }
  });
});
