// Turns the Relay's fresh `<deviceId>.<secret>` into the signed token the device is given.
import { z } from 'zod';
import { deviceCredentials, signDeviceToken, type TokenKeys } from '../../auth/index.ts';

/** Optional expiry of an issued token; without it the token lasts until rotated or revoked. */
export const tokenLifetimeSchema = z.object({
  expiresInSeconds: z
    .number()
    .int()
    .min(60)
    .max(10 * 365 * 86_400)
    .optional(),
});

/** Signs with the current DEVICE_TOKEN_KEY; the answer carries `expiresAt` when the token expires. */
export async function issueToken<T extends { deviceId: string; tenantId: string; token: string }>(
  keys: TokenKeys,
  issued: T,
  expiresInSeconds: number | undefined,
): Promise<T & { expiresAt?: string }> {
  const issuedAt = Math.floor(Date.now() / 1000);
  const expiresAt = expiresInSeconds === undefined ? undefined : issuedAt + expiresInSeconds;
  const token = await signDeviceToken(keys.current, deviceCredentials(`Bearer ${issued.token}`), {
    tenantId: issued.tenantId,
    issuedAt,
    ...(expiresAt === undefined ? {} : { expiresAt }),
  });
  return {
    ...issued,
    token,
    ...(expiresAt === undefined ? {} : { expiresAt: new Date(expiresAt * 1000).toISOString() }),
  };
}
