// Signed device tokens: a tag the Worker checks with its own key, so a forged token costs nothing downstream.
import { VoicesyncError } from '@voicesync/core';
import { base64UrlToBytes, bytesToBase64Url } from './base64url.ts';
import type { DeviceCredentials } from './token.ts';

/** What the edge vouched for when it issued a token; times are Unix seconds. */
export interface DeviceClaims {
  tenantId: string;
  issuedAt: number;
  /** Absent: the token does not expire (it still stops with a revoke or a rotation). */
  expiresAt?: number;
}

/** HMAC keys of the Worker (secrets): tokens are signed with `current`, checked against both. */
export interface TokenKeys {
  current: string;
  /** The key before the last rotation, accepted until it is removed. */
  previous?: string;
}

const DOMAIN = 'voicesync-device-token-v1';
const encoder = new TextEncoder();
// Importing a key costs more than the HMAC itself: keep the few keys an isolate sees.
const imported = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = imported.get(secret);
  if (!key) {
    if (imported.size >= 4) imported.clear();
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]);
    imported.set(secret, key);
  }
  return key;
}

function signedText(deviceId: string, secret: string, claims: string): Uint8Array {
  return encoder.encode(`${DOMAIN}\n${deviceId}.${secret}.${claims}`);
}

/** `<deviceId>.<secret>.<claims>.<tag>`: claims are base64url JSON, the tag an HMAC-SHA256 over all before it. */
export async function signDeviceToken(
  key: string,
  credentials: DeviceCredentials,
  claims: DeviceClaims,
): Promise<string> {
  const encoded = bytesToBase64Url(
    encoder.encode(
      JSON.stringify({
        t: claims.tenantId,
        iat: claims.issuedAt,
        ...(claims.expiresAt ? { exp: claims.expiresAt } : {}),
      }),
    ),
  );
  const tag = await crypto.subtle.sign(
    'HMAC',
    await hmacKey(key),
    signedText(credentials.deviceId, credentials.secret, encoded),
  );
  return `${credentials.deviceId}.${credentials.secret}.${encoded}.${bytesToBase64Url(new Uint8Array(tag))}`;
}

function decodeClaims(encoded: string): DeviceClaims | null {
  try {
    const raw = JSON.parse(new TextDecoder().decode(base64UrlToBytes(encoded))) as Record<string, unknown>;
    if (typeof raw.t !== 'string' || !Number.isSafeInteger(raw.iat)) return null;
    if (raw.exp !== undefined && !Number.isSafeInteger(raw.exp)) return null;
    return {
      tenantId: raw.t,
      issuedAt: raw.iat as number,
      ...(raw.exp === undefined ? {} : { expiresAt: raw.exp as number }),
    };
  } catch {
    return null;
  }
}

/**
 * Checks the tag (constant time, by `crypto.subtle.verify`) against the current key, then the
 * previous one, and the expiry against `nowMs`. Throws `unauthorized` for any token the edge did
 * not sign, or that has expired; never reads anything but the token and the keys.
 */
export async function verifyDeviceToken(
  keys: TokenKeys,
  credentials: DeviceCredentials,
  encodedClaims: string,
  tag: string,
  nowMs: number,
): Promise<DeviceClaims> {
  let tagBytes: Uint8Array;
  try {
    tagBytes = base64UrlToBytes(tag);
  } catch {
    throw new VoicesyncError('unauthorized', 'malformed device token');
  }
  const text = signedText(credentials.deviceId, credentials.secret, encodedClaims);
  let valid = false;
  for (const secret of [keys.current, keys.previous]) {
    if (!secret || valid) continue;
    valid = await crypto.subtle.verify('HMAC', await hmacKey(secret), tagBytes, text);
  }
  const claims = valid ? decodeClaims(encodedClaims) : null;
  if (!claims) throw new VoicesyncError('unauthorized', 'device token not signed by this edge');
  if (claims.expiresAt !== undefined && claims.expiresAt * 1000 <= nowMs) {
    throw new VoicesyncError('unauthorized', 'device token has expired');
  }
  return claims;
}
