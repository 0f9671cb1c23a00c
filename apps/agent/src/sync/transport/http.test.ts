import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edgeFetch } from './http.ts';

let server: http.Server;
let base: string;
const seen: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string }> = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (req.url === '/echo') {
        res.writeHead(201, { 'content-type': 'application/json', 'x-extra': 'yes' });
        res.end(JSON.stringify({ got: JSON.parse(body) }));
      } else if (req.url === '/gzip') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        res.end(gzipSync(JSON.stringify({ big: 'x'.repeat(10_000) })));
      } else if (req.url === '/busy') {
        res.writeHead(503, { 'retry-after': '7', 'content-type': 'application/json' });
        res.end('{"error":{"code":"unavailable","message":"later"}}');
      } else if (req.url === '/empty') {
        res.writeHead(204);
        res.end();
      } else if (req.url === '/moved') {
        res.writeHead(302, { location: '/echo' });
        res.end();
      } else if (req.url === '/slow') {
        setTimeout(() => res.end('late'), 5_000);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('edgeFetch', () => {
  it('sends method, headers and a string body, and answers a readable Response', async () => {
    const response = await edgeFetch(`${base}/echo`, {
      method: 'POST',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
      body: JSON.stringify({ a: [1, 2] }),
    });
    expect(response.status).toBe(201);
    expect(response.ok).toBe(true);
    expect(response.statusText).toBe('Created');
    expect(response.headers.get('x-extra')).toBe('yes');
    expect(await response.json()).toEqual({ got: { a: [1, 2] } });
    const request = seen.at(-1);
    expect(request).toMatchObject({ method: 'POST', url: '/echo', body: '{"a":[1,2]}' });
    expect(request?.headers).toMatchObject({ authorization: 'Bearer t', 'accept-encoding': 'identity' });
  });

  it('decodes a compressed answer', async () => {
    const response = await edgeFetch(`${base}/gzip`);
    expect(((await response.json()) as { big: string }).big).toHaveLength(10_000);
    expect(response.headers.get('content-encoding')).toBeNull();
  });

  it('keeps status and Retry-After of a refusal, an empty 204, and does not follow a redirect', async () => {
    const busy = await edgeFetch(`${base}/busy`);
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('7');
    expect(await busy.json()).toEqual({ error: { code: 'unavailable', message: 'later' } });
    const empty = await edgeFetch(`${base}/empty`, { method: 'DELETE' });
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe('');
    const moved = await edgeFetch(`${base}/moved`, { headers: { authorization: 'Bearer secret' } });
    expect(moved.status).toBe(302);
    expect(seen.filter((r) => r.url === '/echo')).toHaveLength(1); // only the POST above
  });

  it('gives up when the signal fires, and refuses a body it cannot send as is', async () => {
    await expect(edgeFetch(`${base}/slow`, { signal: AbortSignal.timeout(100) })).rejects.toThrow();
    await expect(
      edgeFetch(`${base}/echo`, { method: 'POST', body: new URLSearchParams({ a: '1' }) }),
    ).rejects.toThrow(/string or byte bodies only/);
  });

  it('fails like fetch when nothing listens', async () => {
    await expect(edgeFetch('http://127.0.0.1:1/nothing')).rejects.toThrow();
  });
});
