// listen() on an address it cannot bind: a rejection, never an uncaught error, and nothing left open.
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, startTestAgent, type TestAgent } from '../../../../test/observability/fixtures.ts';
import { listen } from './index.ts';

/** Whether a loopback TCP port can be bound right now. */
function canBind(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

describe('listen', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent({ port: 0 });
  });
  afterAll(() => t.close());

  it('rejects with the bind error instead of crashing the process', async () => {
    const first = await listen(t.app, t.agent);
    const taken = { ...t.agent, config: { ...t.agent.config, port: first.port } };
    await expect(listen(t.app, taken)).rejects.toMatchObject({ code: 'EADDRINUSE', port: first.port });
    await first.close();
  });

  it('closes the TCP server it opened when the Unix socket fails', async () => {
    const port = await closedPort();
    const socketPath = join(t.dir, 'no-such-dir', 'agent.sock');
    const agent = { ...t.agent, config: { ...t.agent.config, port, socketPath } };
    await expect(listen(t.app, agent)).rejects.toMatchObject({ address: socketPath });
    expect(await canBind(port)).toBe(true);
  });
});
