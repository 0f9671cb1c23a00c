// Wire schemas of a pull: a device reads its tenant's change log after a cursor.
import { z } from 'zod';
import { hashSchema, speakerIdSchema, wireProfileSchema } from './push.ts';

export const DEFAULT_PULL_LIMIT = 100;
export const MAX_PULL_LIMIT = 500;

/** Query string of `GET /v1/pull`; a cursor that is not a non-negative integer is answered with a reset. */
export const pullQuerySchema = z.object({
  cursor: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PULL_LIMIT).default(DEFAULT_PULL_LIMIT),
});

/** One speaker's latest change in the page, carrying the content PostgreSQL holds now. */
export const pullChangeSchema = z.object({
  /** Change-log id; pass the response's `nextCursor`, not this, to continue. */
  cursor: z.number().int().positive(),
  speakerId: speakerIdSchema,
  op: z.enum(['upsert', 'delete']),
  contentHash: hashSchema,
  /** Wall-clock ms of the write that produced this content (the conflict rule's first key). */
  updatedAt: z.number().int().nonnegative(),
  version: z.number().int().positive(),
  /** Present for an upsert; a delete is a tombstone without content. */
  profile: wireProfileSchema.optional(),
  /**
   * Base64 of the little-endian float64 sum of unit samples, when enrolments were merged into the
   * profile; absent when it was written whole (the sum is then the unit embedding x totalSamples).
   */
  sampleSumB64: z.string().optional(),
  /** Set when the pulling device itself wrote this content (so it may already hold newer content of its own). */
  own: z.literal(true).optional(),
});

export const pullResponseSchema = z.object({
  changes: z.array(pullChangeSchema),
  nextCursor: z.number().int().nonnegative(),
  hasMore: z.boolean(),
  /** The cursor was unknown (malformed or ahead of the log): drop it and pull again from 0. */
  reset: z.literal(true).optional(),
  /**
   * With `reset`: the cursor fell behind the compaction horizon, so deletes after it may be gone with
   * their tombstones; once the full pull is read, what it did not list is no longer held upstream.
   */
  compacted: z.literal(true).optional(),
});

export type PullQuery = z.infer<typeof pullQuerySchema>;
export type PullChange = z.infer<typeof pullChangeSchema>;
export type PullResponse = z.infer<typeof pullResponseSchema>;
