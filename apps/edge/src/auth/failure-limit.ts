// Counts failed device authentications per client address and per device id; over the limit, 429.
import { VoicesyncError } from '@voicesync/core';
import type { Env } from '../env.ts';

/** The window of the AUTH_FAILURES binding (wrangler.toml `simple.period`, seconds). */
export const AUTH_FAILURE_PERIOD_S = 60;

/** Who failed: the address Cloudflare saw (CF-Connecting-IP) and the device id the token named. */
export interface FailedClient {
  address: string;
  deviceId?: string;
}

/**
 * Records one failure against the address and the device, then throws: `auth_rate_limited` (429,
 * Retry-After) when either is over the AUTH_FAILURES limit, else the original error. Only failures
 * are counted, so an honest device behind a noisy address (a NAT) is never refused for it.
 */
export async function refuseAuthentication(
  env: Pick<Env, 'AUTH_FAILURES'>,
  client: FailedClient,
  error: VoicesyncError,
): Promise<never> {
  const limiter = env.AUTH_FAILURES;
  if (limiter) {
    const keys = [`ip:${client.address}`, ...(client.deviceId ? [`device:${client.deviceId}`] : [])];
    const outcomes = await Promise.all(keys.map((key) => limiter.limit({ key })));
    if (outcomes.some((outcome) => !outcome.success)) {
      throw new VoicesyncError('auth_rate_limited', 'too many failed authentications; retry later', {
        details: { retryAfterMs: AUTH_FAILURE_PERIOD_S * 1000 },
        cause: error,
      });
    }
  }
  throw error;
}

/** The client address as Cloudflare reports it; local runs without the header share one bucket. */
export function clientAddress(headers: { get(name: string): string | null }): string {
  return headers.get('CF-Connecting-IP')?.trim() || 'unknown';
}
