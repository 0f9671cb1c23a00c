// PostgreSQL tables: tenants, devices (with last_mutation_id), profiles, the change log and conflicts.
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => 'bytea' });

export const tenants = pgTable('tenants', {
  id: text('id').primaryKey(),
  name: text('name').notNull().default(''),
  /** The tenant's newest change sequence number: cursors count this tenant's changes only. */
  changeSeq: bigint('change_seq', { mode: 'number' }).notNull().default(0),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const devices = pgTable(
  'devices',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    name: text('name').notNull().default(''),
    /** SHA-256 hex of the device secret; the secret itself is never stored. */
    secretHash: text('secret_hash').notNull(),
    /** Highest mutation id of this device whose effect is committed. */
    lastMutationId: bigint('last_mutation_id', { mode: 'number' }).notNull().default(0),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    /** After a rotation, the hash of the secret before it, accepted until `previousSecretUntil`. */
    previousSecretHash: text('previous_secret_hash'),
    previousSecretUntil: timestamp('previous_secret_until', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('devices_tenant').on(t.tenantId)],
);

export const profiles = pgTable(
  'profiles',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    speakerId: text('speaker_id').notNull(),
    name: text('name').notNull(),
    /** Raw little-endian float32 bytes; empty for a tombstone. */
    embedding: bytea('embedding').notNull(),
    acousticFeatures: jsonb('acoustic_features'),
    totalSamples: integer('total_samples').notNull(),
    /**
     * Little-endian float64 sum of the profile's unit samples, which enrolments from several
     * devices add to; NULL when the profile was written whole (then the sum is the unit embedding
     * times total_samples). The embedding is always this sum's direction, rounded to float32.
     */
    sampleSum: bytea('sample_sum'),
    /** Lowercase hex SHA-256 of the canonical encoding (same string the agent computes). */
    contentHash: text('content_hash').notNull(),
    version: integer('version').notNull().default(1),
    deleted: boolean('deleted').notNull().default(false),
    updatedAt: bigint('updated_at', { mode: 'number' }).notNull(),
    updatedBy: text('updated_by').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.speakerId] }),
    // Compaction finds tombstones past the retention here, without reading the live profiles.
    index('profiles_tombstones').on(t.updatedAt).where(sql`${t.deleted}`),
  ],
);

/**
 * The change log; `seq` (per tenant, from tenants.change_seq) is the pull cursor, so a cursor says
 * nothing about other tenants' writes; `id` is global and never leaves the edge. Compaction
 * removes a change that a newer change of the same speaker supersedes (pull serves current
 * content, so nothing is lost) and the changes of tombstones past the retention (see
 * `compactionHorizons`, which holds a `seq`).
 */
export const changes = pgTable(
  'changes',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tenantId: text('tenant_id').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    speakerId: text('speaker_id').notNull(),
    contentHash: text('content_hash').notNull(),
    deviceId: text('device_id').notNull(),
    mutationId: bigint('mutation_id', { mode: 'number' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('changes_tenant_seq').on(t.tenantId, t.seq),
    index('changes_tenant_speaker').on(t.tenantId, t.speakerId, t.id),
  ],
);

/** Per tenant, the newest change `seq` compaction removed with a tombstone: an older cursor must resync. */
export const compactionHorizons = pgTable('compaction_horizons', {
  tenantId: text('tenant_id').primaryKey(),
  horizon: bigint('horizon', { mode: 'number' }).notNull().default(0),
  compactedAt: timestamp('compacted_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Every detected conflict, with both sides and the winner under the documented rule. */
export const conflicts = pgTable('conflicts', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  tenantId: text('tenant_id').notNull(),
  speakerId: text('speaker_id').notNull(),
  deviceId: text('device_id').notNull(),
  mutationId: bigint('mutation_id', { mode: 'number' }).notNull(),
  baseHash: text('base_hash'),
  /** NULL when PostgreSQL held no row for the speaker although the write named a base. */
  serverHash: text('server_hash'),
  incomingHash: text('incoming_hash').notNull(),
  winner: text('winner', { enum: ['incoming', 'server'] }).notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().default(sql`now()`),
});
