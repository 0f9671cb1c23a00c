// Constant-time checks of device secrets (against their stored hash) and of the admin token.
import { VoicesyncError, sha256OfText } from '@voicesync/core';
import { bearerToken } from './token.ts';

/** Compares without an early exit, so timing does not reveal how much of a secret matched. */
export function constantTimeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  }
  return diff === 0;
}

export async function secretMatches(secret: string, secretHash: string): Promise<boolean> {
  return constantTimeEqual(await sha256OfText(secret), secretHash);
}

/**
 * Checks the admin bearer token against ADMIN_TOKEN, and ADMIN_TOKEN_PREVIOUS while a rotation
 * overlaps; `admin_disabled` when ADMIN_TOKEN is unset.
 */
export function requireAdmin(
  adminToken: string | undefined,
  header: string | undefined | null,
  previousToken?: string,
): void {
  if (!adminToken)
    throw new VoicesyncError('admin_disabled', 'admin routes are disabled: ADMIN_TOKEN is not set');
  const token = bearerToken(header);
  // Both compared every time, so timing does not tell which one matched.
  const current = token !== null && constantTimeEqual(token, adminToken);
  const previous = token !== null && !!previousToken && constantTimeEqual(token, previousToken);
  if (!current && !previous) throw new VoicesyncError('unauthorized', 'invalid admin token');
}
