// The content hash's SHA-256 through node:crypto (native in workerd with nodejs_compat and in Node).
import { createHash } from 'node:crypto';
import type { Sha256HexSync } from '@voicesync/core';

/**
 * Synchronous and native: every uploaded profile is hashed, and WebCrypto's digest is async (a
 * promise per mutation) and returns bytes the core turned into hex in a JavaScript loop
 * (edge-profile of a 50-mutation push: sha256Hex + encodeProfileContent ~9 % of busy time).
 * The chunks are fed one by one, so the canonical bytes are never concatenated.
 */
export const nodeSha256Hex: Sha256HexSync = (chunks) => {
  const hash = createHash('sha256');
  for (const chunk of chunks) hash.update(chunk);
  return hash.digest('hex');
};
