import { sha256OfText } from '@voicesync/core';
import { describe, expect, it } from 'vitest';
import { secretMatches } from './secret.ts';
import { deviceCredentials, newDeviceCredentials } from './token.ts';

describe('device tokens', () => {
  it('generates dev_ + 16 hex and a 32-byte base64url secret that parse back', async () => {
    const created = await newDeviceCredentials();
    expect(created.deviceId).toMatch(/^dev_[0-9a-f]{16}$/);
    expect(created.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(created.secretHash).toBe(await sha256OfText(created.secret));
    expect(deviceCredentials(`Bearer ${created.token}`)).toEqual({
      deviceId: created.deviceId,
      secret: created.secret,
    });
  });

  it('uses the injected random source', async () => {
    const created = await newDeviceCredentials((bytes) => bytes.fill(0xab));
    expect(created.deviceId).toBe('dev_abababababababab');
  });

  it.each([
    undefined,
    '',
    'Basic abc',
    'Bearer',
    'Bearer dev_0123456789abcdef',
    'Bearer dev_0123.secret',
    `Bearer dev_0123456789abcdef.${'a'.repeat(42)}`,
    `Bearer dev_0123456789ABCDEF.${'a'.repeat(43)}`,
  ])('refuses %s as unauthorized', (header) => {
    expect(() => deviceCredentials(header)).toThrow(expect.objectContaining({ code: 'unauthorized' }));
  });

  it('matches a secret only against its own hash', async () => {
    const { secret, secretHash } = await newDeviceCredentials();
    expect(await secretMatches(secret, secretHash)).toBe(true);
    expect(await secretMatches(`${secret.slice(0, -1)}x`, secretHash)).toBe(false);
  });
});
