// Device tokens: `<deviceId>.<secret>[.<claims>.<tag>]`, their generation, and parsing the bearer header. Never logged.
import { VoicesyncError, bytesToHex, sha256OfText } from '@voicesync/core';
import { bytesToBase64Url } from './base64url.ts';

/** The part of a device token the Relay checks; PostgreSQL keeps only sha256(secret). */
export interface DeviceCredentials {
  deviceId: string;
  secret: string;
}

/** A parsed token: signed ones (`signed-token.ts`) carry the claims and the tag the Worker checks. */
export interface DeviceToken extends DeviceCredentials {
  signature?: { claims: string; tag: string };
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

// Bounds each part, so a parse costs the same whatever a caller sends.
const CLAIMS = /^[A-Za-z0-9_-]{1,400}$/;
const TAG = /^[A-Za-z0-9_-]{43}$/;

/**
 * Parses the device token of a request, signed (`<id>.<secret>.<claims>.<tag>`) or from before
 * signing (`<id>.<secret>`); throws `unauthorized` when it is missing or malformed.
 */
export function parseDeviceToken(header: string | undefined | null): DeviceToken {
  const token = bearerToken(header);
  if (!token) throw new VoicesyncError('unauthorized', 'missing bearer token');
  const [deviceId = '', secret = '', claims, tag, ...rest] = token.split('.');
  const signed = claims !== undefined && tag !== undefined && CLAIMS.test(claims) && TAG.test(tag);
  if (
    !DEVICE_ID.test(deviceId) ||
    !SECRET.test(secret) ||
    rest.length > 0 ||
    (claims !== undefined && !signed)
  )
    throw new VoicesyncError('unauthorized', 'malformed device token');
  return signed ? { deviceId, secret, signature: { claims, tag } } : { deviceId, secret };
}

/** The credentials of a request's token, signed or not (the signature is the gate's business). */
export function deviceCredentials(header: string | undefined | null): DeviceCredentials {
  const { deviceId, secret } = parseDeviceToken(header);
  return { deviceId, secret };
}

/** A fresh device identity: `dev_` + 16 hex, a 32-byte base64url secret, and the hash to store. */
export async function newDeviceCredentials(
  random: (bytes: Uint8Array) => Uint8Array = (bytes) => crypto.getRandomValues(bytes),
): Promise<DeviceCredentials & { token: string; secretHash: string }> {
  const deviceId = `dev_${bytesToHex(random(new Uint8Array(8)))}`;
  const secret = bytesToBase64Url(random(new Uint8Array(32)));
  return { deviceId, secret, token: `${deviceId}.${secret}`, secretHash: await sha256OfText(secret) };
}
