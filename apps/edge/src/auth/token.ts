// Device tokens: `<deviceId>.<secret>`, their generation, and parsing the bearer header. Never logged.
import { VoicesyncError, bytesToHex, sha256OfText } from '@voicesync/core';

/** A device token is `<deviceId>.<secret>`; PostgreSQL keeps only sha256(secret). */
export interface DeviceCredentials {
  deviceId: string;
  secret: string;
}

const DEVICE_ID = /^dev_[0-9a-f]{16}$/;
const SECRET = /^[A-Za-z0-9_-]{43}$/;

export function isDeviceId(value: string): boolean {
  return DEVICE_ID.test(value);
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined | null): string | null {
  const match = /^Bearer ([^\s]+)$/i.exec(header?.trim() ?? '');
  return match?.[1] ?? null;
}

/** Parses the device token of a request; throws `unauthorized` when it is missing or malformed. */
export function deviceCredentials(header: string | undefined | null): DeviceCredentials {
  const token = bearerToken(header);
  if (!token) throw new VoicesyncError('unauthorized', 'missing bearer token');
  const dot = token.indexOf('.');
  const deviceId = token.slice(0, dot);
  const secret = token.slice(dot + 1);
  if (dot < 0 || !DEVICE_ID.test(deviceId) || !SECRET.test(secret))
    throw new VoicesyncError('unauthorized', 'malformed device token');
  return { deviceId, secret };
}

function base64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
}

/** A fresh device identity: `dev_` + 16 hex, a 32-byte base64url secret, and the hash to store. */
export async function newDeviceCredentials(
  random: (bytes: Uint8Array) => Uint8Array = (bytes) => crypto.getRandomValues(bytes),
): Promise<DeviceCredentials & { token: string; secretHash: string }> {
  const deviceId = `dev_${bytesToHex(random(new Uint8Array(8)))}`;
  const secret = base64Url(random(new Uint8Array(32)));
  return { deviceId, secret, token: `${deviceId}.${secret}`, secretHash: await sha256OfText(secret) };
}
