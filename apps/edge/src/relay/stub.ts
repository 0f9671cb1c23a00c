// How the Worker's routes reach the Relay shards: a device's own shard, or every shard for fan-out.
import { shardConfig } from '../config/index.ts';
import type { Env } from '../env.ts';
import type { Relay } from './index.ts';
import { shardName, shardOf } from './shards/index.ts';

/** The Relay's RPC methods as the routes call them. */
export type RelayApi = Pick<
  Relay,
  | 'push'
  | 'pushPlanned'
  | 'pull'
  | 'authorize'
  | 'listening'
  | 'device'
  | 'createDevice'
  | 'listDevices'
  | 'rotateDevice'
  | 'revokeDevice'
  | 'evictDevice'
  | 'tripBreaker'
  | 'health'
  | 'status'
>;

/** Per isolate and env: the shard split and the shards' ids, which every request would otherwise derive again. */
const shardsOf = new WeakMap<
  Env,
  { count: number; locationHint?: DurableObjectLocationHint; ids: DurableObjectId[] }
>();

function shards(env: Env) {
  let known = shardsOf.get(env);
  if (!known) {
    const { count, locationHint } = shardConfig(env);
    const ids = Array.from({ length: count }, (_, index) => env.RELAY.idFromName(shardName(index)));
    known = locationHint ? { count, locationHint, ids } : { count, ids };
    shardsOf.set(env, known);
  }
  return known;
}

function shard(env: Env, index: number): RelayApi {
  const { locationHint, ids } = shards(env);
  const id = ids[index] ?? env.RELAY.idFromName(shardName(index));
  // The stub's mapped RPC types recurse without end on zod's JSON type (TS2589). Every method
  // returns plain data, which crosses RPC unchanged, so the class's own signatures are exact.
  return (locationHint ? env.RELAY.get(id, { locationHint }) : env.RELAY.get(id)) as unknown as RelayApi;
}

/**
 * The shard that serves `deviceId` (see `shardOf`); without one, shard 0, for work that belongs
 * to no device (admin routes). Throws `bad_config` when RELAY_SHARDS and PG_MAX do not split.
 */
export function relayStub(env: Env, deviceId?: string): RelayApi {
  return shard(env, deviceId === undefined ? 0 : shardOf(deviceId, shards(env).count));
}

/** Every shard, in index order: for status, health and broadcasts (revocation, breaker trips). */
export function allRelays(env: Env): RelayApi[] {
  return Array.from({ length: shards(env).count }, (_, index) => shard(env, index));
}
