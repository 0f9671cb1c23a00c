import type { VoicesyncError } from '@voicesync/core';
import { describe, expect, it } from 'vitest';
import { DEVICE_TOKEN_KEY, signedTestToken } from '../../test/device-token.ts';
import { countRelayRefusal, passDeviceGate } from './gate.ts';

/** The Workers rate-limit binding's contract (miniflare runs the real one in test/security). */
function limiter(limit: number) {
  const counts = new Map<string, number>();
  return {
    keys: counts,
    limit: async ({ key }: { key: string }) => {
      const count = (counts.get(key) ?? 0) + 1;
      counts.set(key, count);
      return { success: count <= limit };
    },
  };
}

function request(authorization?: string, address = '203.0.113.7') {
  const headers: Record<string, string> = { 'cf-connecting-ip': address };
  if (authorization) headers.authorization = authorization;
  return { header: (name: string) => headers[name.toLowerCase()] };
}

const legacy = `Bearer dev_0123456789abcdef.${'s'.repeat(43)}`;

describe('passDeviceGate', () => {
  it('passes a token this edge signed, without touching the limiter', async () => {
    const AUTH_FAILURES = limiter(1);
    const env = { DEVICE_TOKEN_KEY, AUTH_FAILURES } as never;
    const credentials = await passDeviceGate(env, request(`Bearer ${await signedTestToken()}`));
    expect(credentials).toEqual({ deviceId: 'dev_0123456789abcdef', secret: 's'.repeat(43) });
    expect(AUTH_FAILURES.keys.size).toBe(0);
  });

  it('refuses an unsigned token unless LEGACY_DEVICE_TOKENS=accept (the migration setting)', async () => {
    await expect(passDeviceGate({ DEVICE_TOKEN_KEY } as never, request(legacy))).rejects.toMatchObject({
      code: 'unauthorized',
    });
    const env = { DEVICE_TOKEN_KEY, LEGACY_DEVICE_TOKENS: 'accept' } as never;
    expect((await passDeviceGate(env, request(legacy))).deviceId).toBe('dev_0123456789abcdef');
  });

  it('says the edge has no signing key instead of calling every token forged', async () => {
    const token = `Bearer ${await signedTestToken()}`;
    await expect(passDeviceGate({} as never, request(token))).rejects.toMatchObject({
      code: 'device_auth_disabled',
    });
  });

  it('answers 429 once an address or a device id is over the failure limit', async () => {
    const AUTH_FAILURES = limiter(2);
    const env = { DEVICE_TOKEN_KEY, AUTH_FAILURES } as never;
    const forged = `${(await signedTestToken()).slice(0, -3)}AAA`;
    const codes: string[] = [];
    for (let i = 0; i < 4; i++) {
      const outcome = await passDeviceGate(env, request(`Bearer ${forged}`)).then(
        () => 'passed',
        (e: VoicesyncError) => e.code,
      );
      codes.push(outcome);
    }
    expect(codes).toEqual(['unauthorized', 'unauthorized', 'auth_rate_limited', 'auth_rate_limited']);
    expect(AUTH_FAILURES.keys.get('ip:203.0.113.7')).toBe(4);
    expect(AUTH_FAILURES.keys.get('device:dev_0123456789abcdef')).toBe(4);
    // Another address, same device id: limited by the device.
    const other = await passDeviceGate(env, request(`Bearer ${forged}`, '198.51.100.1')).catch((e) => e);
    expect(other).toMatchObject({ code: 'auth_rate_limited', details: { retryAfterMs: 60_000 } });
  });

  it('counts a Relay refusal of a signed token toward the same limit', async () => {
    const AUTH_FAILURES = limiter(0);
    const env = { DEVICE_TOKEN_KEY, AUTH_FAILURES } as never;
    const credentials = { deviceId: 'dev_0123456789abcdef', secret: 's'.repeat(43) };
    const refused = { ok: false as const, status: 401, code: 'unauthorized', message: 'wrong secret' };
    await expect(countRelayRefusal(env, request(), credentials, refused)).rejects.toMatchObject({
      code: 'auth_rate_limited',
    });
    const ok = { ok: true as const, value: 1 };
    expect(await countRelayRefusal(env, request(), credentials, ok)).toBe(ok);
    const noLimiter = { DEVICE_TOKEN_KEY } as never;
    expect(await countRelayRefusal(noLimiter, request(), credentials, refused)).toBe(refused);
  });
});
