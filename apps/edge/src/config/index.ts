// Reads the Relay's tunables from string vars, applying the documented defaults.
import { type BreakerOptions, VoicesyncError } from '@voicesync/core';
import type { Env } from '../env.ts';

export interface RelayConfig {
  embeddingDim: number;
  pool: {
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

/** Throws `bad_config` on a var that is set but is not a positive integer. */
export function relayConfig(env: Tunables): RelayConfig {
  return {
    embeddingDim: positiveInt(env, 'EMBEDDING_DIM', 192),
    pool: {
      max: positiveInt(env, 'PG_MAX', 3),
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
  };
}

export * from './auth.ts';
