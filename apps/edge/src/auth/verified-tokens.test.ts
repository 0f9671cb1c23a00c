import { describe, expect, it } from 'vitest';
import { DEVICE_TOKEN_KEY, signedTestToken } from '../../test/device-token.ts';
import { passDeviceGate } from './gate.ts';
import { signDeviceToken } from './signed-token.ts';
import { VerifiedTokens } from './verified-tokens.ts';

const credentials = { deviceId: 'dev_0123456789abcdef', secret: 's'.repeat(43) };
const OTHER_KEY = 'k'.repeat(20) + 'abcdefghijklmnopqrstuvw';

function request(authorization: string) {
  return { header: (name: string) => (name.toLowerCase() === 'authorization' ? authorization : undefined) };
}

describe('VerifiedTokens (the gate remembers tags it checked)', () => {
  it('answers a token it verified without verifying again, and only that exact header', async () => {
    const verified = new VerifiedTokens();
    const header = `Bearer ${await signedTestToken()}`;
    const env = { DEVICE_TOKEN_KEY } as never;
    expect(await passDeviceGate(env, request(header), verified)).toEqual(credentials);
    expect(verified.size).toBe(1);
    expect(verified.get(header, { current: DEVICE_TOKEN_KEY }, Date.now())).toEqual(credentials);
    // Same device and secret, another tag: not a hit, and refused by the full check.
    const forged = `${header.slice(0, -4)}AAAA`;
    expect(verified.get(forged, { current: DEVICE_TOKEN_KEY }, Date.now())).toBeUndefined();
    await expect(passDeviceGate(env, request(forged), verified)).rejects.toMatchObject({
      code: 'unauthorized',
    });
  });

  it('forgets every token when the keys change, so a removed key stops working at once', async () => {
    const verified = new VerifiedTokens();
    const header = `Bearer ${await signedTestToken()}`;
    await passDeviceGate({ DEVICE_TOKEN_KEY } as never, request(header), verified);
    // The key that signed it was rotated out and then removed.
    const rotated = { DEVICE_TOKEN_KEY: OTHER_KEY } as never;
    await expect(passDeviceGate(rotated, request(header), verified)).rejects.toMatchObject({
      code: 'unauthorized',
    });
    expect(verified.get(header, { current: OTHER_KEY }, Date.now())).toBeUndefined();
    expect(
      verified.get(header, { current: OTHER_KEY, previous: DEVICE_TOKEN_KEY }, Date.now()),
    ).toBeUndefined();
  });

  it('refuses a remembered token once it has expired', async () => {
    const verified = new VerifiedTokens();
    const nowS = Math.floor(Date.now() / 1000);
    const token = await signDeviceToken(DEVICE_TOKEN_KEY, credentials, {
      tenantId: 't',
      issuedAt: nowS - 10,
      expiresAt: nowS + 60,
    });
    const header = `Bearer ${token}`;
    await passDeviceGate({ DEVICE_TOKEN_KEY } as never, request(header), verified);
    const keys = { current: DEVICE_TOKEN_KEY };
    expect(verified.get(header, keys, (nowS + 59) * 1000)).toEqual(credentials);
    expect(verified.get(header, keys, (nowS + 60) * 1000)).toBeUndefined();
    expect(verified.size).toBe(0);
  });

  it('holds at most its bound, dropping the oldest', () => {
    const verified = new VerifiedTokens(2);
    const keys = { current: DEVICE_TOKEN_KEY };
    const entry = { credentials, claims: { tenantId: 't', issuedAt: 0 } };
    for (const header of ['a', 'b', 'c']) verified.set(header, keys, entry);
    expect(verified.size).toBe(2);
    expect(verified.get('a', keys, 0)).toBeUndefined();
    expect(verified.get('c', keys, 0)).toEqual(credentials);
  });
});
