// How the Worker's routes reach the Relay: one global instance, so one pool and one breaker.
import type { Env } from '../env.ts';
import type { Relay } from './index.ts';

/** The Relay's RPC methods as the routes call them. */
export type RelayApi = Pick<
  Relay,
  | 'push'
  | 'pull'
  | 'authorize'
  | 'device'
  | 'createDevice'
  | 'listDevices'
  | 'rotateDevice'
  | 'revokeDevice'
  | 'health'
  | 'status'
>;

export function relayStub(env: Env): RelayApi {
  // The stub's mapped RPC types recurse without end on zod's JSON type (TS2589). Every method
  // returns plain data, which crosses RPC unchanged, so the class's own signatures are exact.
  return env.RELAY.get(env.RELAY.idFromName('relay')) as unknown as RelayApi;
}
