// Profile rows of the local database and the statements that write them.
import type { InStatement, Row } from '../store/index.ts';
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

export const PROFILE_COLUMNS =
  'speaker_id, name, embedding, acoustic_features, total_samples, content_hash, version, deleted, updated_at';

/** With the sample sum, which only a write needs (preloading the index leaves it on disk). */
export const ROW_COLUMNS = `${PROFILE_COLUMNS}, sample_sum`;

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

/** Upsert of one profile row; RETURNING gives the new local version. */
export function upsertProfileStatement(write: ProfileWrite): InStatement {
  const version = write.version === undefined ? 'profiles.version + 1' : 'excluded.version';
  return {
    sql: `INSERT INTO profiles (speaker_id, name, embedding, acoustic_features, total_samples, sample_sum, content_hash, version, deleted, updated_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (speaker_id) DO UPDATE SET name = excluded.name, embedding = excluded.embedding,
            acoustic_features = excluded.acoustic_features, total_samples = excluded.total_samples,
            sample_sum = excluded.sample_sum,
            content_hash = excluded.content_hash, version = ${version}, deleted = excluded.deleted,
            updated_at = excluded.updated_at
          RETURNING version`,
    args: [
      write.speakerId,
      write.name,
      write.embedding,
      write.acousticFeatures,
      write.totalSamples,
      write.sampleSum ?? null,
      write.contentHash,
      write.version ?? 1,
      write.deleted ? 1 : 0,
      write.updatedAt,
    ],
  };
}
