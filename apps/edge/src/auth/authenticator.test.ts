import { ManualClock, sha256OfText } from '@voicesync/core';
import { describe, expect, it, vi } from 'vitest';
import { DeviceAuthenticator } from './authenticator.ts';
import { DeviceCache, type DeviceRecord } from './cache.ts';

const secret = 'a'.repeat(43);

async function setup(record: Partial<DeviceRecord> | null = {}) {
  const stored: DeviceRecord | null = record && {
    deviceId: 'dev_0000000000000001',
    tenantId: 'tenant-a',
    secretHash: await sha256OfText(secret),
    revoked: false,
    ...record,
  };
  const lookup = vi.fn(async () => stored);
  const clock = new ManualClock();
  return { lookup, clock, auth: new DeviceAuthenticator(new DeviceCache(clock, 5000), lookup, clock) };
}

const credentials = { deviceId: 'dev_0000000000000001', secret };

describe('DeviceAuthenticator', () => {
  it('returns the record for the right secret and caches the lookup', async () => {
    const { auth, lookup } = await setup();
    expect((await auth.authenticate(credentials)).tenantId).toBe('tenant-a');
    await auth.authenticate(credentials);
    expect(lookup).toHaveBeenCalledTimes(1);
  });

  it('shares one lookup among concurrent requests', async () => {
    const { auth, lookup } = await setup();
    await Promise.all(Array.from({ length: 20 }, () => auth.authenticate(credentials)));
    expect(lookup).toHaveBeenCalledTimes(1);
  });

  it('answers unauthorized for an unknown device and for a wrong secret alike', async () => {
    const unknown = await setup(null);
    await expect(unknown.auth.authenticate(credentials)).rejects.toMatchObject({ code: 'unauthorized' });
    const known = await setup();
    await expect(known.auth.authenticate({ ...credentials, secret: 'b'.repeat(43) })).rejects.toMatchObject({
      code: 'unauthorized',
    });
  });

  it('tells only the holder of the secret that the device is revoked', async () => {
    const { auth } = await setup({ revoked: true });
    await expect(auth.authenticate(credentials)).rejects.toMatchObject({ code: 'device_revoked' });
    await expect(auth.authenticate({ ...credentials, secret: 'b'.repeat(43) })).rejects.toMatchObject({
      code: 'unauthorized',
    });
  });

  it('looks the device up again after an eviction, and drops an answer that raced it', async () => {
    const { auth, lookup } = await setup();
    const first = auth.authenticate(credentials);
    auth.evict(credentials.deviceId);
    await first;
    await auth.authenticate(credentials);
    expect(lookup).toHaveBeenCalledTimes(2);
  });

  it('looks the device up again once the ttl has passed', async () => {
    const { auth, lookup, clock } = await setup();
    await auth.authenticate(credentials);
    clock.advance(5000);
    await auth.authenticate(credentials);
    expect(lookup).toHaveBeenCalledTimes(2);
  });

  it('accepts the secret before a rotation until its grace period ends, the new one throughout', async () => {
    const old = 'o'.repeat(43);
    const { auth, clock } = await setup({
      previousSecretHash: await sha256OfText(old),
      previousSecretUntil: 10_000,
    });
    expect((await auth.authenticate({ ...credentials, secret: old })).tenantId).toBe('tenant-a');
    clock.advance(10_000);
    await expect(auth.authenticate({ ...credentials, secret: old })).rejects.toMatchObject({
      code: 'unauthorized',
    });
    expect((await auth.authenticate(credentials)).tenantId).toBe('tenant-a');
  });
});
