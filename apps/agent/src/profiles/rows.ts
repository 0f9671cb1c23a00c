// Profile rows of the local database and the statements that write them.
import { profiles as profilesTable } from '@voicesync/schema/sqlite';
import { type ColumnKey, columnNames, selectList } from '../store/columns.ts';
import type { InStatement, Row, Value } from '../store/index.ts';
import { bytesToFloat32, bytesToFloat64, type SampleSum } from '@voicesync/core';

export interface Profile {
  speakerId: string;
  name: string;
  /** Exactly the float32 values written (the index keeps its own normalised copy). */
  embedding: Float32Array;
  acousticFeatures: unknown;
  totalSamples: number;
  contentHash: string;
  version: number;
  updatedAt: number;
}

/** A row as stored, including tombstones. */
export interface StoredProfile extends Profile {
  deleted: boolean;
  /** Float64 sum of unit samples; null when written whole (then unit embedding x totalSamples). */
  sampleSum: SampleSum | null;
}

/** Every column of the drizzle `profiles` table but the sample sum, which only a write needs. */
export const PROFILE_COLUMNS = selectList(profilesTable, ['sampleSum']);

/** With the sample sum (preloading the index leaves it on disk). */
export const ROW_COLUMNS = selectList(profilesTable);

export function toStoredProfile(row: Row): StoredProfile {
  return {
    speakerId: String(row.speaker_id),
    name: String(row.name),
    embedding: bytesToFloat32(new Uint8Array(row.embedding as ArrayBuffer)),
    acousticFeatures: row.acoustic_features === null ? null : JSON.parse(String(row.acoustic_features)),
    totalSamples: Number(row.total_samples),
    sampleSum: row.sample_sum == null ? null : bytesToFloat64(new Uint8Array(row.sample_sum as ArrayBuffer)),
    contentHash: String(row.content_hash),
    version: Number(row.version),
    updatedAt: Number(row.updated_at),
    deleted: Number(row.deleted) === 1,
  };
}

export interface ProfileWrite {
  speakerId: string;
  name: string;
  embedding: Uint8Array;
  acousticFeatures: string | null;
  totalSamples: number;
  /** Little-endian float64 bytes of the sample sum; null or absent for content written whole. */
  sampleSum?: Uint8Array | null;
  contentHash: string;
  updatedAt: number;
  deleted: boolean;
  /** Set the version instead of incrementing it (pulled content carries the upstream version). */
  version?: number;
}

/** The columns an upsert writes (drizzle keys of `profiles`), in the order it binds them. */
const UPSERTED = [
  'speakerId',
  'name',
  'embedding',
  'acousticFeatures',
  'totalSamples',
  'sampleSum',
  'contentHash',
  'version',
  'deleted',
  'updatedAt',
] as const satisfies readonly ColumnKey<typeof profilesTable>[];

const [KEY_COLUMN, ...UPDATED_COLUMNS] = columnNames(profilesTable, UPSERTED);

/** Upsert of one profile row; RETURNING gives the new local version. */
export function upsertProfileStatement(write: ProfileWrite): InStatement {
  const version = write.version === undefined ? 'profiles.version + 1' : 'excluded.version';
  const values: Record<(typeof UPSERTED)[number], Value> = {
    ...write,
    sampleSum: write.sampleSum ?? null,
    version: write.version ?? 1,
    deleted: write.deleted ? 1 : 0,
  };
  const set = UPDATED_COLUMNS.map((column) =>
    column === 'version' ? `version = ${version}` : `${column} = excluded.${column}`,
  );
  return {
    sql: `INSERT INTO profiles (${KEY_COLUMN}, ${UPDATED_COLUMNS.join(', ')})
          VALUES (${UPSERTED.map(() => '?').join(', ')})
          ON CONFLICT (${KEY_COLUMN}) DO UPDATE SET ${set.join(', ')}
          RETURNING version`,
    args: UPSERTED.map((key) => values[key]),
  };
}
