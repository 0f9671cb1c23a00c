// The agent's libSQL tables: profiles (with local tombstones), the durable outbox, and sync state.
import { sql } from 'drizzle-orm';
import { blob, index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * One row per speaker this device knows. Deleted speakers stay as tombstones (`deleted = 1`,
 * empty embedding) so the next write knows which upstream content it was derived from.
 */
export const profiles = sqliteTable('profiles', {
  speakerId: text('speaker_id').primaryKey(),
  name: text('name').notNull(),
  /** Raw little-endian float32 bytes, never JSON. */
  embedding: blob('embedding', { mode: 'buffer' }).notNull(),
  /** Canonical JSON text (sorted keys) or NULL. */
  acousticFeatures: text('acoustic_features'),
  totalSamples: integer('total_samples').notNull().default(1),
  /**
   * Little-endian float64 sum of the unit samples (the mergeable enrolment state, as upstream);
   * NULL for a profile written whole, whose sum is the unit embedding times total_samples.
   */
  sampleSum: blob('sample_sum', { mode: 'buffer' }),
  contentHash: text('content_hash').notNull(),
  version: integer('version').notNull().default(1),
  deleted: integer('deleted', { mode: 'boolean' }).notNull().default(false),
  /** Wall-clock ms of the write that produced this content (input to the conflict rule). */
  updatedAt: integer('updated_at').notNull(),
});

/**
 * Pending uploads. A row carries the content it uploads, so a later local write cannot change
 * what an in-flight mutation says. `mutationId` is assigned when the row first joins a batch and
 * is kept until the edge acknowledges it or proves it was never applied.
 */
export const outbox = sqliteTable(
  'outbox',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    speakerId: text('speaker_id').notNull(),
    /** `enrol` adds samples (sample_sum, samples); `upsert` replaces the profile; `delete` removes it. */
    op: text('op', { enum: ['upsert', 'delete', 'enrol'] }).notNull(),
    priority: integer('priority').notNull(),
    name: text('name').notNull(),
    embedding: blob('embedding', { mode: 'buffer' }).notNull(),
    acousticFeatures: text('acoustic_features'),
    totalSamples: integer('total_samples').notNull(),
    contentHash: text('content_hash').notNull(),
    baseHash: text('base_hash'),
    /** For `enrol`: little-endian float64 sum of the new unit samples, and how many they are. */
    sampleSum: blob('sample_sum', { mode: 'buffer' }),
    samples: integer('samples'),
    updatedAt: integer('updated_at').notNull(),
    mutationId: integer('mutation_id'),
    status: text('status', { enum: ['pending', 'dead'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull().default(0),
    lastError: text('last_error'),
    createdAt: integer('created_at').notNull().default(sql`(unixepoch() * 1000)`),
  },
  (t) => [
    index('outbox_send_order').on(t.status, t.priority, t.seq),
    index('outbox_mutation').on(t.mutationId),
    index('outbox_speaker').on(t.speakerId),
  ],
);

/** Small key/value state: last acknowledged mutation id, pull cursor, device identity. */
export const syncState = sqliteTable('sync_state', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/** Impostor embeddings for cohort score normalisation (s-norm / AS-norm); never synced. */
export const cohort = sqliteTable('cohort', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  /** Raw little-endian float32 bytes, L2-normalised. */
  embedding: blob('embedding', { mode: 'buffer' }).notNull(),
});

/**
 * One row (id 0): a random 64-bit value that triggers on `profiles` draw anew on every insert, update
 * and delete, from any writer (the agent, the CLI, a direct libSQL session). The agent's index
 * snapshot records the value it was taken at and is used only while it still holds, so it is never
 * stale (random, not a counter: a restored older copy taking other writes would count back to it).
 */
export const profilesGeneration = sqliteTable('profiles_generation', {
  id: integer('id').primaryKey(),
  generation: integer('generation').notNull().default(0),
});
