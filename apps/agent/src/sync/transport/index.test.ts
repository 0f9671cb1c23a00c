import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Mutation } from '@voicesync/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeTransport } from './index.ts';

/** Answers each path the way a scenario needs; records what arrived. */
const answers: Record<string, { status: number; headers?: Record<string, string>; body?: unknown }> = {};
const seen: Array<{ url: string; authorization: string | undefined }> = [];
let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
      const answer = answers[req.url ?? ''] ?? {
        status: 404,
        body: { error: { code: 'not_found', message: 'no' } },
      };
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const transport = () => new EdgeTransport({ edgeUrl: base, token: 'dev_x.secret', timeoutMs: 2_000 });
const mutations = [{ mutationId: 1 }] as unknown as Mutation[];

describe('EdgeTransport', () => {
  it('reads an ack, a gap, a retryable 503 with Retry-After and a refusal', async () => {
    answers['/v1/push'] = {
      status: 200,
      body: { lastMutationId: 1, results: [{ mutationId: 1, status: 'applied' }], load: 0.1 },
    };
    expect(await transport().push(mutations)).toMatchObject({
      kind: 'ack',
      ack: { lastMutationId: 1, load: 0.1 },
    });
    expect(seen.at(-1)?.authorization).toBe('Bearer dev_x.secret');

    answers['/v1/push'] = {
      status: 409,
      body: { error: { code: 'mutation_gap', message: 'gap', lastMutationId: 7 } },
    };
    expect(await transport().push(mutations)).toEqual({ kind: 'gap', lastMutationId: 7 });

    answers['/v1/push'] = {
      status: 503,
      headers: { 'retry-after': '3' },
      body: { error: { code: 'pool_timeout', message: 'busy' } },
    };
    expect(await transport().push(mutations)).toMatchObject({
      kind: 'unavailable',
      status: 503,
      retryAfterMs: 3_000,
    });

    answers['/v1/push'] = { status: 400, body: { error: { code: 'invalid_batch', message: 'bad' } } };
    expect(await transport().push(mutations)).toMatchObject({
      kind: 'refused',
      status: 400,
      code: 'invalid_batch',
    });
  });

  it('waits out a redirect instead of refusing the batch, and names the address to configure', async () => {
    answers['/v1/push'] = { status: 301, headers: { location: 'https://edge.example.com/v1/push' } };
    answers['/v1/device'] = { status: 308, headers: { location: 'https://edge.example.com/v1/device' } };
    const before = seen.length;
    const push = await transport().push(mutations);
    expect(push).toMatchObject({ kind: 'unavailable', status: 301 });
    expect(push.kind === 'unavailable' && push.message).toMatch(
      /redirect to https:\/\/edge\.example\.com.*set edgeUrl/,
    );
    expect(await transport().handshake()).toMatchObject({ kind: 'unavailable', status: 308 });
    expect(seen.slice(before).map((r) => r.url)).toEqual(['/v1/push', '/v1/device']); // never followed
  });

  it('waits out an answer the edge never gives (404, 405) instead of refusing the batch', async () => {
    for (const status of [404, 405]) {
      answers['/v1/push'] = { status, body: { error: { code: 'not_found', message: 'no such route' } } };
      const push = await transport().push(mutations);
      expect(push).toMatchObject({ kind: 'unavailable', status });
      expect(push.kind === 'unavailable' && push.message).toMatch(/check edgeUrl/);
    }
    answers['/v1/push'] = { status: 413, body: { error: { code: 'payload_too_large', message: 'big' } } };
    expect(await transport().push(mutations)).toMatchObject({ kind: 'refused', status: 413 });
    answers['/v1/push'] = { status: 401, body: { error: { code: 'unauthorized', message: 'who' } } };
    expect(await transport().push(mutations)).toMatchObject({ kind: 'refused', status: 401 });
  });

  it('turns a network failure into unavailable', async () => {
    const down = new EdgeTransport({ edgeUrl: 'http://127.0.0.1:1', token: 't', timeoutMs: 2_000 });
    expect(await down.push(mutations)).toMatchObject({
      kind: 'unavailable',
      message: expect.stringMatching(/unreachable/),
    });
  });
});
