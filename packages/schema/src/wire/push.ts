// Wire schemas of a push: a device's batch of mutations and the edge's acknowledgement.
import { PRIORITY_LEVELS } from '@voicesync/core';
import { z } from 'zod';
import { acousticFeaturesSchema, MAX_INT32, storableText } from './values.ts';

export const MAX_PUSH_BATCH = 100;

export const speakerIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/, '1-128 of A-Z a-z 0-9 . _ : @ -, starting alphanumeric');

export const hashSchema = z.string().regex(/^[0-9a-f]{64}$/, 'lowercase hex SHA-256');

/** The uploaded content of a profile. The embedding is base64 of little-endian float32 bytes. */
export const wireProfileSchema = z.object({
  name: storableText().min(1).max(200),
  embeddingB64: z.string().max(1_000_000),
  acousticFeatures: acousticFeaturesSchema().nullable(),
  totalSamples: z.number().int().min(1).max(MAX_INT32),
});

/**
 * What an enrolment adds: the sum of its new unit samples (base64 of little-endian float64) and
 * their count. The edge adds it to the profile it holds; name and features only create a profile.
 */
export const wireEnrolmentSchema = z.object({
  name: storableText().min(1).max(200),
  sampleSumB64: z.string().max(2_000_000),
  samples: z.number().int().min(1).max(MAX_INT32),
  acousticFeatures: acousticFeaturesSchema().nullable(),
});

export const mutationSchema = z.object({
  mutationId: z.number().int().positive(),
  speakerId: speakerIdSchema,
  /** `upsert` replaces the profile, `delete` removes it, `enrol` adds samples to it (merges). */
  op: z.enum(['upsert', 'delete', 'enrol']),
  /** Content hash this write was derived from; null when the device knew no prior content. */
  baseHash: hashSchema.nullable(),
  /**
   * Hash of the content after this write (tombstone hash for a delete). For an enrolment, whose
   * result depends on what the edge holds, the hash of the delta (`enrolmentHash`).
   */
  contentHash: hashSchema,
  /** Device wall-clock ms of the write: the first key of the conflict rule. */
  updatedAt: z.number().int().nonnegative(),
  /** The `Priority` level (0 CRITICAL .. 4 DEFERRED), typed as such from the API to the edge. */
  priority: z.number().int().min(0).max(4).pipe(z.literal(PRIORITY_LEVELS)),
  profile: wireProfileSchema.optional(),
  enrolment: wireEnrolmentSchema.optional(),
});

export const pushRequestSchema = z
  .object({ mutations: z.array(mutationSchema).min(1).max(MAX_PUSH_BATCH) })
  .superRefine((batch, ctx) => {
    batch.mutations.forEach((m, i) => {
      const previous = batch.mutations[i - 1];
      if (previous && m.mutationId !== previous.mutationId + 1) {
        ctx.addIssue({
          code: 'custom',
          path: ['mutations', i, 'mutationId'],
          message: 'mutation ids must be consecutive',
        });
      }
      if (m.op === 'upsert' && !m.profile) {
        ctx.addIssue({
          code: 'custom',
          path: ['mutations', i, 'profile'],
          message: 'an upsert carries its profile',
        });
      }
      if (m.op === 'enrol' && !m.enrolment) {
        ctx.addIssue({
          code: 'custom',
          path: ['mutations', i, 'enrolment'],
          message: 'an enrol carries its enrolment',
        });
      }
    });
  });

export const mutationStatusSchema = z.enum(['applied', 'duplicate', 'conflict', 'rejected']);

export const mutationResultSchema = z.object({
  mutationId: z.number().int(),
  status: mutationStatusSchema,
  /** Content hash PostgreSQL holds for the speaker after the batch. */
  contentHash: hashSchema.optional(),
  /** For a conflict: whose content won under the rule. */
  winner: z.enum(['incoming', 'server']).optional(),
  reason: z.string().optional(),
});

export const pushAckSchema = z.object({
  lastMutationId: z.number().int().nonnegative(),
  results: z.array(mutationResultSchema),
  /** Upstream pool load, moving average over the last 100 acquisitions (0..1). */
  load: z.number().min(0),
});

export type Mutation = z.infer<typeof mutationSchema>;
export type WireProfile = z.infer<typeof wireProfileSchema>;
export type WireEnrolment = z.infer<typeof wireEnrolmentSchema>;
export type PushRequest = z.infer<typeof pushRequestSchema>;
export type MutationResult = z.infer<typeof mutationResultSchema>;
export type PushAck = z.infer<typeof pushAckSchema>;
