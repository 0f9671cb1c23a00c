// Wire schemas of the edge's other answers: health, status, the device handshake and device administration.
import { z } from 'zod';
import { mutationStatusSchema, speakerIdSchema } from './push.ts';

const count = z.number().int().nonnegative();

export const breakerStatusSchema = z.object({
  state: z.enum(['CLOSED', 'OPEN', 'HALF_OPEN']),
  /** How long until an open breaker lets a probe through; 0 otherwise. */
  retryAfterMs: z.number().nonnegative(),
});

/** `GET /health`: `ok` is false while any shard's breaker is open; the status stays 200. */
export const edgeHealthSchema = z.object({ ok: z.boolean(), breaker: breakerStatusSchema });

const latencySummarySchema = z.object({ p50: z.number(), p99: z.number(), count, sumMs: z.number() });

const poolSnapshotSchema = z.object({
  max: count,
  active: count,
  idle: count,
  waiting: count,
  opened: count,
  recycled: count,
  errors: count,
  timeouts: count,
  queries: count,
  /** Moving average over the last 100 acquisitions of busy/max (0..1). */
  load: z.number().min(0),
  acquireMs: latencySummarySchema,
  queryMs: latencySummarySchema,
});

const pushSnapshotSchema = z.object({
  batches: count,
  gaps: count,
  mutations: z.record(mutationStatusSchema, count),
});

/** `GET /v1/status`: every shard's measures and their sum; null pools when no database is configured. */
export const edgeStatusSchema = z.object({
  pool: poolSnapshotSchema.nullable(),
  breaker: breakerStatusSchema,
  push: pushSnapshotSchema,
  uptimeMs: z.number().nonnegative(),
  budget: z.object({ pgMax: count, shards: count, share: count }),
  shards: z.array(
    z.object({
      shard: count,
      breaker: breakerStatusSchema,
      pool: poolSnapshotSchema.pick({ max: true, active: true, idle: true, waiting: true }).nullable(),
      load: z.number().min(0),
      push: pushSnapshotSchema,
      uptimeMs: z.number().nonnegative(),
    }),
  ),
});

/** `GET /v1/device`: who the token belongs to, and the last mutation id the edge applied for it. */
export const deviceStateSchema = z.object({
  deviceId: z.string(),
  tenantId: speakerIdSchema,
  lastMutationId: count,
});

export const deviceSummarySchema = deviceStateSchema.extend({
  name: z.string(),
  /** ISO 8601 times. */
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});

/** A device with its token: shown once, when created or rotated. */
export const issuedDeviceSchema = deviceSummarySchema.extend({
  token: z.string(),
  /** Present when the token was issued with `expiresInSeconds`. */
  expiresAt: z.string().optional(),
});

export const rotatedDeviceSchema = issuedDeviceSchema.extend({
  /** Until when the replaced token keeps working (ISO 8601). */
  previousTokenValidUntil: z.string(),
});

export const deviceListSchema = z.object({ devices: z.array(deviceSummarySchema) });

export type EdgeHealth = z.infer<typeof edgeHealthSchema>;
export type EdgeStatusBody = z.infer<typeof edgeStatusSchema>;
export type DeviceState = z.infer<typeof deviceStateSchema>;
