// The Worker's first gate for device requests: a stateless token check, and failure counting around the Relay.
import { VoicesyncError } from '@voicesync/core';
import { acceptsLegacyTokens, tokenKeys } from '../config/auth.ts';
import type { Env } from '../env.ts';
import { failureCode, type RelayResult } from '../errors/index.ts';
import { clientAddress, refuseAuthentication } from './failure-limit.ts';
import { type TokenKeys, verifyDeviceToken } from './signed-token.ts';
import { type DeviceCredentials, parseDeviceToken } from './token.ts';
import { VerifiedTokens } from './verified-tokens.ts';

/** The request parts the gate reads: never the body. */
export interface GateRequest {
  header(name: string): string | undefined;
}

type GateEnv = Pick<
  Env,
  'AUTH_FAILURES' | 'DEVICE_TOKEN_KEY' | 'DEVICE_TOKEN_KEY_PREVIOUS' | 'LEGACY_DEVICE_TOKENS'
>;

/** Per isolate: what this Worker instance has already verified. */
const verifiedTokens = new VerifiedTokens();

/** The keys, or none while they are not configured (the full check then says why). */
function configuredKeys(env: GateEnv): TokenKeys | undefined {
  try {
    return tokenKeys(env);
  } catch {
    return undefined;
  }
}

function address(request: GateRequest): string {
  return clientAddress({ get: (name) => request.header(name) ?? null });
}

/**
 * The credentials of a request whose token this edge signed (and that has not expired), checked
 * with the Worker's key alone: no Durable Object, no database, no body. A token from before
 * signing passes only while LEGACY_DEVICE_TOKENS=accept. Failures count toward the 429 limit.
 */
export async function passDeviceGate(
  env: GateEnv,
  request: GateRequest,
  verified = verifiedTokens,
): Promise<DeviceCredentials> {
  let deviceId: string | undefined;
  try {
    const header = request.header('Authorization');
    const nowMs = Date.now();
    const known = header === undefined ? undefined : verified.get(header, configuredKeys(env), nowMs);
    if (known) return known;
    const token = parseDeviceToken(header);
    deviceId = token.deviceId;
    const credentials = { deviceId: token.deviceId, secret: token.secret };
    if (!token.signature) {
      if (acceptsLegacyTokens(env)) return credentials;
      throw new VoicesyncError(
        'unauthorized',
        'unsigned device token: ask the operator for a new one (device rotate)',
      );
    }
    const signingKeys = tokenKeys(env);
    const claims = await verifyDeviceToken(
      signingKeys,
      credentials,
      token.signature.claims,
      token.signature.tag,
      nowMs,
    );
    if (header !== undefined) verified.set(header, signingKeys, { credentials, claims });
    return credentials;
  } catch (thrown) {
    if (!(thrown instanceof VoicesyncError) || thrown.code !== 'unauthorized') throw thrown;
    return refuseAuthentication(
      env,
      { address: address(request), ...(deviceId ? { deviceId } : {}) },
      thrown,
    );
  }
}

const AUTH_FAILURES = new Set(['unauthorized', 'device_revoked']);

/**
 * Passes a Relay result through, counting an authentication refusal (a rotated-out or revoked
 * secret under a valid tag) toward the same limit as the gate's own refusals.
 */
export async function countRelayRefusal<T>(
  env: GateEnv,
  request: GateRequest,
  credentials: DeviceCredentials,
  result: RelayResult<T>,
): Promise<RelayResult<T>> {
  if (result.ok || !AUTH_FAILURES.has(result.code)) return result;
  const error = new VoicesyncError(failureCode(result), result.message);
  try {
    return await refuseAuthentication(
      env,
      { address: address(request), deviceId: credentials.deviceId },
      error,
    );
  } catch (thrown) {
    if (thrown === error) return result;
    throw thrown;
  }
}
