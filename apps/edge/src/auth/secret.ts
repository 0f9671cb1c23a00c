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

/** Checks the admin bearer token; `admin_disabled` when ADMIN_TOKEN is unset. */
export function requireAdmin(adminToken: string | undefined, header: string | undefined | null): void {
  if (!adminToken)
    throw new VoicesyncError('admin_disabled', 'admin routes are disabled: ADMIN_TOKEN is not set');
  const token = bearerToken(header);
  if (!token || !constantTimeEqual(token, adminToken))
    throw new VoicesyncError('unauthorized', 'invalid admin token');
}
