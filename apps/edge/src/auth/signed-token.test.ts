import { describe, expect, it } from 'vitest';
import { signDeviceToken, verifyDeviceToken } from './signed-token.ts';
import { parseDeviceToken } from './token.ts';

const KEY = 'current-key-'.padEnd(43, 'x');
const OLD_KEY = 'previous-key-'.padEnd(43, 'y');
const credentials = { deviceId: 'dev_0123456789abcdef', secret: 's'.repeat(43) };
const claims = { tenantId: 'home:1@x', issuedAt: 1_800_000_000 };
const NOW = 1_800_000_100_000;

async function check(
  token: string,
  keys: { current: string; previous?: string } = { current: KEY },
  now = NOW,
) {
  const parsed = parseDeviceToken(`Bearer ${token}`);
  if (!parsed.signature) throw new Error('not signed');
  return verifyDeviceToken(keys, parsed, parsed.signature.claims, parsed.signature.tag, now);
}

describe('signed device tokens', () => {
  it('verify with the key that signed them, and carry the claims', async () => {
    const token = await signDeviceToken(KEY, credentials, claims);
    expect(token.startsWith(`${credentials.deviceId}.${credentials.secret}.`)).toBe(true);
    expect(await check(token)).toEqual(claims);
  });

  it('refuse a made-up tag, another key, and any changed part', async () => {
    const token = await signDeviceToken(KEY, credentials, claims);
    const [id, secret, encoded, tag] = token.split('.') as [string, string, string, string];
    const flipped = `${tag.slice(0, -2)}${tag.at(-2) === 'A' ? 'B' : 'A'}${tag.at(-1)}`;
    const forged = [
      `${id}.${secret}.${encoded}.${'A'.repeat(43)}`,
      `${id}.${secret}.${encoded}.${flipped}`,
      `${id}.${'t'.repeat(43)}.${encoded}.${tag}`,
      `dev_0123456789abcdee.${secret}.${encoded}.${tag}`,
      `${id}.${secret}.${(await signDeviceToken(KEY, credentials, { ...claims, tenantId: 'other' })).split('.')[2]}.${tag}`,
    ];
    for (const candidate of forged) {
      await expect(check(candidate)).rejects.toMatchObject({ code: 'unauthorized' });
    }
    await expect(check(token, { current: OLD_KEY })).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('keep passing under the previous key after a key rotation', async () => {
    const token = await signDeviceToken(OLD_KEY, credentials, claims);
    expect(await check(token, { current: KEY, previous: OLD_KEY })).toEqual(claims);
  });

  it('stop at their expiry', async () => {
    const token = await signDeviceToken(KEY, credentials, { ...claims, expiresAt: 1_800_000_100 });
    expect((await check(token, { current: KEY }, 1_800_000_099_999)).expiresAt).toBe(1_800_000_100);
    await expect(check(token, { current: KEY }, 1_800_000_100_000)).rejects.toMatchObject({
      code: 'unauthorized',
      message: 'device token has expired',
    });
  });

  it('parse as unsigned only when they have exactly two parts', () => {
    expect(
      parseDeviceToken(`Bearer ${credentials.deviceId}.${credentials.secret}`).signature,
    ).toBeUndefined();
    for (const bad of ['.x', '.x.', '.x.y.z', `.${'a'.repeat(401)}.${'b'.repeat(43)}`]) {
      expect(() => parseDeviceToken(`Bearer ${credentials.deviceId}.${credentials.secret}${bad}`)).toThrow(
        expect.objectContaining({ code: 'unauthorized' }),
      );
    }
  });
});
