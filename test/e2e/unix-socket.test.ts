// Issue 3: pipelines on the same machine can talk to the agent over a Unix socket created mode 0600.
import { statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startAgent, tempDir } from '../harness/index.ts';
import { randomVector } from '../support/index.ts';

function overSocket(
  socketPath: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath, method, path, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe('Unix socket', () => {
  const dir = tempDir('voicesync-socket-');
  afterAll(() => dir.remove());

  it('serves the same API on a 0600 socket', async () => {
    const socketPath = join(dir.path, 'agent.sock');
    const agent = await startAgent({ args: ['--socket', socketPath] });
    try {
      expect(statSync(socketPath).mode & 0o777).toBe(0o600);
      const vector = randomVector(4242);
      const enrolled = await overSocket(socketPath, 'POST', '/v1/profiles/sock/samples', {
        name: 'Sock',
        embeddings: [vector],
      });
      expect(enrolled.status).toBe(200);
      const verified = await overSocket(socketPath, 'POST', '/v1/verify', {
        speakerId: 'sock',
        embedding: vector,
      });
      expect(verified.body).toMatchObject({ accepted: true });
      // The same state is visible over TCP, where the API key is required.
      expect((await fetch(`${agent.url}/v1/profiles/sock`)).status).toBe(401);
      const viaTcp = (await (await agent.fetch('/v1/profiles/sock')).json()) as {
        totalSamples: number;
      };
      expect(viaTcp.totalSamples).toBe(1);
    } finally {
      await agent.destroy();
    }
  });
});
