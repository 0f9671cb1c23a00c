// Test support: a device token signed the way the edge signs them, with a fixed test key.
import { signDeviceToken } from '../src/auth/index.ts';

/** A DEVICE_TOKEN_KEY for route tests that run the app without workerd. */
export const DEVICE_TOKEN_KEY = 'test-device-token-key-0123456789-abcdefghijklmnop';

export function signedTestToken(
  deviceId = 'dev_0123456789abcdef',
  secret = 's'.repeat(43),
  claims: { tenantId?: string; issuedAt?: number; expiresAt?: number } = {},
): Promise<string> {
  return signDeviceToken(
    DEVICE_TOKEN_KEY,
    { deviceId, secret },
    { tenantId: claims.tenantId ?? 'tenant-a', issuedAt: claims.issuedAt ?? 1_800_000_000, ...claims },
  );
}
