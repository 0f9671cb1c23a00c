// Profile rows of the local database and the statements that write them.
import type { InStatement, Row } from '../store/index.ts';
import { bytesToFloat32 } from '@voicesync/core';

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
}

export const PROFILE_COLUMNS =
  'speaker_id, name, embedding, acoustic_features, total_samples, content_hash, version, deleted, updated_at';

export function toStoredProfile(row: Row): StoredProfile {
  return {
    speakerId: String(row.speaker_id),
    name: String(row.name),
    embedding: bytesToFloat32(new Uint8Array(row.embedding as ArrayBuffer)),
    acousticFeatures: row.acoustic_features === null ? null : JSON.parse(String(row.acoustic_features)),
    totalSamples: Number(row.total_samples),
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
    sql: `INSERT INTO profiles (speaker_id, name, embedding, acoustic_features, total_samples, content_hash, version, deleted, updated_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (speaker_id) DO UPDATE SET name = excluded.name, embedding = excluded.embedding,
            acoustic_features = excluded.acoustic_features, total_samples = excluded.total_samples,
            content_hash = excluded.content_hash, version = ${version}, deleted = excluded.deleted,
            updated_at = excluded.updated_at
          RETURNING version`,
    args: [
      write.speakerId,
      write.name,
      write.embedding,
      write.acousticFeatures,
      write.totalSamples,
      write.contentHash,
      write.version ?? 1,
      write.deleted ? 1 : 0,
      write.updatedAt,
    ],
  };
}
