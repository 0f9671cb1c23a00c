// Wire schemas of the edge's other answers: health, status, the device handshake and device administration.
import { z } from 'zod';
import { speakerIdSchema } from './push.ts';
import { breakerStatusSchema } from './status.ts';

const count = z.number().int().nonnegative();

/** `GET /health`: `ok` is false while any shard's breaker is open; the status stays 200. */
export const edgeHealthSchema = z.object({ ok: z.boolean(), breaker: breakerStatusSchema });

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
export type DeviceState = z.infer<typeof deviceStateSchema>;
