// Response shapes of the agent API, for its OpenAPI document: what each route answers on success.
import { PRIORITIES } from '@voicesync/core';
import { hashSchema, speakerIdSchema } from '@voicesync/schema';
import { z } from 'zod';

const counter = z.number().int().nonnegative();
/** Deep, changing detail (latencies, relay view, clock): documented as an object, checked by its keys. */
const detail = z.looseObject({});

export const healthSchema = z.object({ ok: z.literal(true) });

export const verificationSchema = z.object({
  accepted: z.boolean(),
  score: z.number().describe('the decision score (normalised when score normalisation is on)'),
  threshold: z.number(),
  rawScore: z.number().describe('plain cosine similarity'),
});

export const identificationSchema = z.object({
  accepted: z.boolean().describe('whether the best match reached the threshold (open-set rejection)'),
  threshold: z.number(),
  matches: z.array(z.object({ speakerId: speakerIdSchema, name: z.string(), score: z.number() })),
});

/** The answer to every acknowledged write: committed locally, queued for the edge. */
export const writeResultSchema = z.object({
  speakerId: speakerIdSchema,
  contentHash: hashSchema,
  version: z.number().int(),
});

export const enrolmentResultSchema = writeResultSchema.extend({ totalSamples: z.number().int().positive() });

export const cohortResultSchema = z.object({ size: counter });

export const profileSchema = z.object({
  speakerId: speakerIdSchema,
  name: z.string(),
  embedding: z.array(z.number()).describe('the float32 values written'),
  acousticFeatures: z.unknown(),
  totalSamples: z.number().int().positive(),
  contentHash: hashSchema,
  version: z.number().int(),
  updatedAt: z.number().int().describe('ms since the epoch'),
});

export const profileSummarySchema = z.object({
  speakerId: speakerIdSchema,
  name: z.string(),
  totalSamples: z.number().int(),
  version: z.number().int(),
});

const outboxCountsSchema = z.object({
  pending: counter,
  byPriority: z.record(z.enum(PRIORITIES), counter),
  inFlight: counter,
  deadLetters: counter,
  oldestPendingAt: z.number().nullable(),
});

export const outboxListSchema = z.object({
  entries: z.array(
    z.object({
      seq: z.number().int(),
      speakerId: speakerIdSchema,
      op: z.enum(['upsert', 'delete', 'enrol']),
      priority: z.enum(PRIORITIES),
      name: z.string(),
      acousticFeatures: z.string().nullable().describe('as JSON text'),
      totalSamples: z.number().int(),
      contentHash: hashSchema,
      baseHash: hashSchema.nullable(),
      updatedAt: z.number().int(),
      samples: z.number().int().nullable().optional(),
      mutationId: z.number().int().nullable(),
      status: z.enum(['pending', 'dead']),
      attempts: counter,
      nextAttemptAt: z.number(),
      lastError: z.string().nullable(),
      createdAt: z.number(),
    }),
  ),
  counts: outboxCountsSchema,
});

export const retryResultSchema = z.object({ requeued: counter });
export const syncResultSchema = z.object({
  scheduled: z.boolean().describe('false when no edge is configured'),
});
export const historySchema = z.object({ points: z.array(detail) });

export const statusSchema = z.object({
  uptimeMs: z.number(),
  outbox: outboxCountsSchema.omit({ oldestPendingAt: true }).extend({ oldestPendingSeconds: z.number() }),
  waiting: z
    .object({ reason: z.string(), since: z.number(), message: z.string() })
    .nullable()
    .describe('why the queue is not uploading, since when, and the fix'),
  synced: counter,
  failed: counter,
  deferred: counter,
  deadLetters: counter,
  rejected: counter,
  conflicts: counter,
  edge: z.object({
    url: z.string().nullable(),
    available: z.boolean().nullable(),
    breaker: z.enum(['CLOSED', 'OPEN', 'HALF_OPEN']),
    load: z.number(),
    lastSyncAt: z.number().nullable(),
    lastError: z.string().nullable(),
    anotherUpstream: detail.nullable(),
    pushLatencyMs: z.object({ p50: z.number(), p99: z.number() }),
  }),
  cache: z.object({ hits: counter, misses: counter, size: counter }),
  metrics: detail,
  relay: detail.nullable(),
  notify: detail.nullable(),
  pull: z.object({
    pulled: counter,
    lastPullAt: z.number().nullable(),
    cursor: counter
      .nullable()
      .describe(
        "how far this device has read the tenant's change log (its pull cursor); null when no edge is configured",
      ),
  }),
  clock: detail,
});
