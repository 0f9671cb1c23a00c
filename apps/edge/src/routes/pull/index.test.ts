import { describe, expect, it, vi } from 'vitest';
import { app } from '../../app.ts';
import type { Env } from '../../env.ts';
import { DEVICE_TOKEN_KEY, signedTestToken } from '../../../test/device-token.ts';
import type { RelayApi } from '../../relay/stub.ts';
import { parseCursor } from './index.ts';

const token = await signedTestToken();
const page = { changes: [], nextCursor: 7, hasMore: false };

function envWith(relay: Partial<RelayApi>): Env {
  return { DEVICE_TOKEN_KEY, RELAY: { idFromName: () => 'relay', get: () => relay } } as unknown as Env;
}

describe('parseCursor', () => {
  it('reads non-negative integers and defaults to 0', () => {
    expect(parseCursor(undefined)).toBe(0);
    expect(parseCursor('0')).toBe(0);
    expect(parseCursor('42')).toBe(42);
  });

  it.each(['', 'abc', '-1', '1.5', '1e3', '99999999999999999999'])('answers null (reset) for %j', (raw) => {
    expect(parseCursor(raw)).toBeNull();
  });
});

describe('GET /v1/pull', () => {
  it('passes cursor and limit to the Relay', async () => {
    const pull = vi.fn(async () => ({ ok: true as const, value: page }));
    const response = await app.request(
      '/v1/pull?cursor=5&limit=20',
      { headers: { authorization: `Bearer ${token}` } },
      envWith({ pull }),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(page);
    expect(pull).toHaveBeenCalledWith(expect.objectContaining({ deviceId: 'dev_0123456789abcdef' }), 5, 20);
  });

  it('asks the Relay for a reset when the cursor is malformed, with the default limit', async () => {
    const pull = vi.fn(async () => ({ ok: true as const, value: page }));
    await app.request(
      '/v1/pull?cursor=abc',
      { headers: { authorization: `Bearer ${token}` } },
      envWith({ pull }),
    );
    expect(pull).toHaveBeenCalledWith(expect.anything(), null, 100);
  });

  it.each(['0', '501', 'many'])('refuses limit=%s with invalid_query', async (limit) => {
    const response = await app.request(
      `/v1/pull?limit=${limit}`,
      { headers: { authorization: `Bearer ${token}` } },
      envWith({}),
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_query');
  });
});
