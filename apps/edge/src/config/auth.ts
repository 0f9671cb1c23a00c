// Authentication settings of the Worker: device-token keys, legacy tokens, the admin token's strength.
import { VoicesyncError } from '@voicesync/core';
import type { TokenKeys } from '../auth/signed-token.ts';
import type { Env } from '../env.ts';

/** 32 random bytes are 43 base64url characters; a shorter (or repetitive) token is guessable. */
export const MIN_ADMIN_TOKEN_LENGTH = 43;
const MIN_DISTINCT_CHARACTERS = 16;

type AuthEnv = Pick<Env, 'DEVICE_TOKEN_KEY' | 'DEVICE_TOKEN_KEY_PREVIOUS' | 'LEGACY_DEVICE_TOKENS'>;

/**
 * The keys that sign and check device tokens; `device_auth_disabled` (503) without a current key,
 * so a deployment that forgot the secret says so instead of refusing every device as forged.
 */
export function tokenKeys(env: AuthEnv): TokenKeys {
  const current = env.DEVICE_TOKEN_KEY?.trim();
  if (!current || current.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new VoicesyncError(
      'device_auth_disabled',
      `DEVICE_TOKEN_KEY must be set to at least 32 random bytes (${MIN_ADMIN_TOKEN_LENGTH}+ characters, e.g. \`openssl rand -base64 32\`)`,
    );
  }
  const previous = env.DEVICE_TOKEN_KEY_PREVIOUS?.trim();
  return previous ? { current, previous } : { current };
}

/** Tokens from before signing (`<id>.<secret>`) pass the Worker only during a migration window. */
export function acceptsLegacyTokens(env: AuthEnv): boolean {
  return env.LEGACY_DEVICE_TOKENS?.trim().toLowerCase() === 'accept';
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * A Worker has no start hook, so the admin token is judged where it is used: a weak one disables
 * the admin routes (503 `admin_token_weak`) unless the Worker is served on loopback (local runs).
 */
export function checkAdminTokenStrength(token: string, requestUrl: string): void {
  if (isLoopback(new URL(requestUrl).hostname)) return;
  if (token.length < MIN_ADMIN_TOKEN_LENGTH || new Set(token).size < MIN_DISTINCT_CHARACTERS) {
    throw new VoicesyncError(
      'admin_token_weak',
      `ADMIN_TOKEN must be at least 32 random bytes (${MIN_ADMIN_TOKEN_LENGTH}+ characters, e.g. \`openssl rand -base64 32\`); admin routes are off until it is replaced`,
    );
  }
}
