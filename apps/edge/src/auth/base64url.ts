// URL-safe base64 without padding (RFC 4648 §5), canonical both ways: token parts and tags.
import { base64ToBytes, bytesToBase64 } from '@voicesync/core';

export function bytesToBase64Url(bytes: Uint8Array): string {
  return bytesToBase64(bytes).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** Throws a RangeError unless `text` is the one unpadded base64url spelling of its bytes. */
export function base64UrlToBytes(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) throw new RangeError('invalid base64url');
  const padded = text.replaceAll('-', '+').replaceAll('_', '/') + '='.repeat((4 - (text.length % 4)) % 4);
  return base64ToBytes(padded);
}
