import { systemClock } from '@voicesync/core';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger/index.ts';
import { EdgeTransport, type Fetch } from '../sync/transport/index.ts';
import { RelayStatusPoller } from './relay-status.ts';

function poller(fetch: Fetch, lines: string[] = []) {
  return new RelayStatusPoller({
    transport: new EdgeTransport({
      edgeUrl: 'https://edge.test',
      token: 'device-token',
      timeoutMs: 5_000,
      fetch,
    }),
    intervalMs: 10_000,
    timeoutMs: 1_000,
    clock: systemClock,
    log: createLogger('info', { write: (line: string) => void lines.push(line) }),
  });
}

const latency = { p50: 1, p99: 2, count: 3, sumMs: 4 };
const relayBody = (state: string) => ({
  pool: {
    max: 3,
    active: 2,
    idle: 1,
    waiting: 0,
    load: 0.5,
    opened: 3,
    recycled: 0,
    errors: 0,
    timeouts: 0,
    queries: 7,
    acquireMs: latency,
    queryMs: latency,
  },
  breaker: { state, retryAfterMs: 0 },
  uptimeMs: 42,
});

describe('RelayStatusPoller', () => {
  it('reads the relay status without the device token (the route needs none) and logs breaker changes once', async () => {
    let state = 'CLOSED';
    const seen: Array<string | null> = [];
    const lines: string[] = [];
    const relay = poller(async (url, init) => {
      seen.push(new Headers(init?.headers).get('authorization'));
      expect(url).toBe('https://edge.test/v1/status');
      return Response.json(relayBody(state));
    }, lines);
    expect((await relay.refresh()).pool).toEqual({ max: 3, active: 2, idle: 1, waiting: 0, load: 0.5 });
    state = 'OPEN';
    await relay.refresh();
    await relay.refresh();
    expect(relay.view).toMatchObject({ reachable: true, breaker: 'OPEN', httpStatus: 200, uptimeMs: 42 });
    expect(seen).toEqual([null, null, null]);
    const messages = lines.map((line) => JSON.parse(line).msg);
    expect(messages).toEqual(['relay breaker unknown -> CLOSED', 'relay breaker CLOSED -> OPEN']);
  });

  it('turns a network failure into an unreachable view and logs the change', async () => {
    let down = false;
    const lines: string[] = [];
    const relay = poller(async () => {
      if (down) throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
      return Response.json(relayBody('CLOSED'));
    }, lines);
    await relay.refresh();
    down = true;
    const view = await relay.refresh();
    expect(view).toMatchObject({ reachable: false, error: 'edge unreachable: ECONNREFUSED', breaker: null });
    expect(view.checkedAt).not.toBeNull();
    expect(lines.map((line) => JSON.parse(line).msg)).toContain('relay status unreachable');
  });

  it('accepts an answer it only partly understands', async () => {
    const relay = poller(async () => new Response('not json', { status: 502 }));
    expect(await relay.refresh()).toMatchObject({
      reachable: true,
      httpStatus: 502,
      breaker: null,
      pool: null,
    });
  });
});
