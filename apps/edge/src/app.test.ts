import { describe, expect, it } from 'vitest';
import { app } from './app.ts';
import type { Env } from './env.ts';
import type { RelayApi } from './relay/stub.ts';

function envWith(relay: Partial<RelayApi>): Env {
  return { RELAY: { idFromName: () => 'relay', get: () => relay } } as unknown as Env;
}

const breaker = { state: 'CLOSED' as const, retryAfterMs: 0 };

describe('app', () => {
  it('answers /health from the Relay without a database call', async () => {
    const env = envWith({ health: async () => ({ ok: true as const, value: { ok: true, breaker } }) });
    const response = await app.request('/health', {}, env);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, breaker });
  });

  it('dates its answers (agents compare their clock with it)', async () => {
    const env = envWith({ health: async () => ({ ok: true as const, value: { ok: true, breaker } }) });
    const date = (await app.request('/health', {}, env)).headers.get('date');
    expect(Math.abs(Date.parse(date ?? '') - Date.now())).toBeLessThan(5000);
  });

  it('serves /metrics as Prometheus text', async () => {
    const push = {
      batches: 0,
      gaps: 0,
      mutations: { applied: 0, duplicate: 0, conflict: 0, rejected: 0 },
      announcements: { sent: 0, skipped: 0 },
    };
    const env = envWith({
      status: async () => ({ ok: true as const, value: { pool: null, breaker, push, uptimeMs: 1 } }),
    });
    const response = await app.request('/metrics', {}, env);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0.0.4/);
    expect(await response.text()).toContain('voicesync_relay_push_batches_total 0');
  });

  it('answers unknown routes with the error shape', async () => {
    const response = await app.request('/nope', {}, envWith({}));
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'not_found', message: 'no such route' } });
  });

  it('hides unexpected errors behind internal', async () => {
    const env = envWith({
      health: async () => {
        throw new Error('secret detail');
      },
    });
    const response = await app.request('/health', {}, env);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: { code: 'internal', message: 'internal error' } });
  });
});
