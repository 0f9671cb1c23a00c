// Reads the Relay's tunables from string vars, applying the documented defaults.
import { type BreakerOptions, VoicesyncError } from '@voicesync/core';
import type { Env } from '../env.ts';

/** Cloudflare's Durable Object location hints (developers.cloudflare.com/durable-objects/reference/data-location/). */
export const LOCATION_HINTS = ['wnam', 'enam', 'sam', 'weur', 'eeur', 'apac', 'oc', 'afr', 'me'] as const;
export type LocationHint = (typeof LOCATION_HINTS)[number];

/** A Durable Object may hold 6 simultaneous outbound connections; one stays free for other I/O. */
export const MAX_SHARE_PER_SHARD = 5;

export interface ShardConfig {
  /** RELAY_SHARDS: how many Relay objects share the work, routed by device id. */
  count: number;
  /** PG_MAX: upper bound on upstream connections of all shards together. */
  budget: number;
  /** floor(PG_MAX / RELAY_SHARDS): each shard's pool cap, so the shares never sum above the budget. */
  share: number;
  locationHint: LocationHint | undefined;
}

export interface RelayConfig {
  embeddingDim: number;
  shards: ShardConfig;
  pool: {
    /** This shard's share of PG_MAX. */
    max: number;
    acquireTimeoutMs: number;
    statementTimeoutMs: number;
    idleTimeoutMs: number;
    connectTimeoutMs: number;
    maxQueriesPerConnection: number;
  };
  breaker: BreakerOptions;
  /** How long a device lookup may be answered from memory; revoke evicts at once. */
  authCacheTtlMs: number;
  /** An updatedAt further ahead of the edge clock than this is clamped to the edge clock. */
  maxClockSkewMs: number;
  compaction: {
    /** Time between compaction rounds (a round runs steps back to back until it is done). */
    intervalMs: number;
    /** Tombstones and conflict records older than this are removed (default 30 days). */
    retentionMs: number;
    /** Rows per step and statement. */
    batch: number;
  };
}

type Tunables = Omit<Env, 'RELAY' | 'HUB' | 'HYPERDRIVE' | 'DATABASE_URL' | 'ADMIN_TOKEN' | 'AUTH_FAILURES'>;

function positiveInt(env: Tunables, name: keyof Tunables, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new VoicesyncError('bad_config', `${name} must be a positive integer, got "${raw}"`);
  }
  return value;
}

function locationHint(raw: string | undefined): LocationHint | undefined {
  const hint = raw?.trim() ?? '';
  if (hint === '') return undefined;
  if (!(LOCATION_HINTS as readonly string[]).includes(hint)) {
    throw new VoicesyncError(
      'bad_config',
      `RELAY_LOCATION_HINT must be one of ${LOCATION_HINTS.join(', ')}, got "${raw}"`,
    );
  }
  return hint as LocationHint;
}

/** Splits PG_MAX over RELAY_SHARDS; refuses a split that leaves a shard nothing or more than one object may hold. */
export function shardConfig(env: Tunables): ShardConfig {
  const count = positiveInt(env, 'RELAY_SHARDS', 1);
  const budget = positiveInt(env, 'PG_MAX', 3);
  const share = Math.floor(budget / count);
  if (share < 1) {
    throw new VoicesyncError(
      'bad_config',
      `PG_MAX=${budget} over RELAY_SHARDS=${count} leaves a shard no connection: raise PG_MAX to at least RELAY_SHARDS`,
    );
  }
  if (share > MAX_SHARE_PER_SHARD) {
    throw new VoicesyncError(
      'bad_config',
      `PG_MAX=${budget} over RELAY_SHARDS=${count} gives each shard ${share} connections, above ${MAX_SHARE_PER_SHARD} per Durable Object (6 simultaneous connections, one kept for other I/O): raise RELAY_SHARDS to at least ${Math.ceil(budget / MAX_SHARE_PER_SHARD)}`,
    );
  }
  return { count, budget, share, locationHint: locationHint(env.RELAY_LOCATION_HINT) };
}

/** Throws `bad_config` on a var that is set but is not a positive integer, or on a bad shard split. */
export function relayConfig(env: Tunables): RelayConfig {
  const shards = shardConfig(env);
  return {
    embeddingDim: positiveInt(env, 'EMBEDDING_DIM', 192),
    shards,
    pool: {
      max: shards.share,
      acquireTimeoutMs: positiveInt(env, 'PG_ACQUIRE_TIMEOUT_MS', 5_000),
      statementTimeoutMs: positiveInt(env, 'PG_STATEMENT_TIMEOUT_MS', 10_000),
      idleTimeoutMs: positiveInt(env, 'PG_IDLE_TIMEOUT_MS', 300_000),
      connectTimeoutMs: positiveInt(env, 'PG_CONNECT_TIMEOUT_MS', 5_000),
      maxQueriesPerConnection: positiveInt(env, 'PG_MAX_QUERIES_PER_CONNECTION', 50_000),
    },
    breaker: {
      failureThreshold: positiveInt(env, 'BREAKER_FAILURE_THRESHOLD', 5),
      successThreshold: positiveInt(env, 'BREAKER_SUCCESS_THRESHOLD', 2),
      openMs: positiveInt(env, 'BREAKER_OPEN_MS', 60_000),
      halfOpenTimeoutMs: positiveInt(env, 'BREAKER_HALF_OPEN_TIMEOUT_MS', 30_000),
    },
    authCacheTtlMs: positiveInt(env, 'AUTH_CACHE_TTL_MS', 5_000),
    maxClockSkewMs: positiveInt(env, 'MAX_CLOCK_SKEW_MS', 300_000),
    compaction: {
      intervalMs: positiveInt(env, 'COMPACTION_INTERVAL_MS', 3_600_000),
      retentionMs: positiveInt(env, 'COMPACTION_RETENTION_MS', 30 * 24 * 3_600_000),
      batch: positiveInt(env, 'COMPACTION_BATCH', 1_000),
    },
  };
}

export * from './auth.ts';
