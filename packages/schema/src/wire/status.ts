// GET /v1/status: the edge's breaker, pool and push counters, summed over shards and per shard.
import { z } from 'zod';
import { mutationStatusSchema } from './push.ts';

const countSchema = z.number().int().nonnegative();

export const latencySummarySchema = z.object({
  p50: z.number(),
  p99: z.number(),
  count: countSchema,
  sumMs: z.number(),
});

export const breakerStatusSchema = z.object({
  state: z.enum(['CLOSED', 'OPEN', 'HALF_OPEN']),
  /** How long an open breaker still refuses (0 unless OPEN). */
  retryAfterMs: z.number(),
});

export const poolStatusSchema = z.object({
  max: countSchema,
  active: countSchema,
  idle: countSchema,
  waiting: countSchema,
  opened: countSchema,
  recycled: countSchema,
  errors: countSchema,
  timeouts: countSchema,
  queries: countSchema,
  /** Moving average of busy/max over recent acquisitions (0..1): agents defer low priorities above 0.8. */
  load: z.number(),
  acquireMs: latencySummarySchema,
  queryMs: latencySummarySchema,
});

export const pushCountsSchema = z.object({
  batches: countSchema,
  gaps: countSchema,
  mutations: z.record(mutationStatusSchema, countSchema),
  /** Announcements of committed pushes to the tenant's hub: sent, or skipped because nobody but the pusher listened. */
  announcements: z.object({ sent: countSchema, skipped: countSchema }),
});

export const shardStatusSchema = z.object({
  shard: countSchema,
  breaker: breakerStatusSchema,
  /** This shard's share of PG_MAX and its use; null when no database is configured. */
  pool: poolStatusSchema.pick({ max: true, active: true, idle: true, waiting: true }).nullable(),
  load: z.number(),
  push: pushCountsSchema,
  uptimeMs: z.number(),
});

/** One Relay's own status (a shard), as it crosses the Durable Object boundary. */
export const relayStatusSchema = z.object({
  /** Null when no database is configured. */
  pool: poolStatusSchema.nullable(),
  breaker: breakerStatusSchema,
  push: pushCountsSchema,
  uptimeMs: z.number(),
});

/** The whole answer: the shards combined (worst breaker, summed pools and counters) and each shard. */
export const edgeStatusSchema = relayStatusSchema.extend({
  budget: z.object({ pgMax: countSchema, shards: countSchema, share: countSchema }),
  shards: z.array(shardStatusSchema),
});

export type LatencySummary = z.infer<typeof latencySummarySchema>;
export type BreakerStatus = z.infer<typeof breakerStatusSchema>;
export type PoolStatus = z.infer<typeof poolStatusSchema>;
export type PushCounts = z.infer<typeof pushCountsSchema>;
export type ShardStatus = z.infer<typeof shardStatusSchema>;
export type RelayStatus = z.infer<typeof relayStatusSchema>;
export type EdgeStatus = z.infer<typeof edgeStatusSchema>;
