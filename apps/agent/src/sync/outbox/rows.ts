// Outbox rows as read from libSQL, and their wire form.
import { bytesToBase64, bytesToFloat64, type Priority, type SampleSum, toPriority } from '@voicesync/core';
import type { Mutation } from '@voicesync/schema';
import { outbox as outboxTable } from '@voicesync/schema/sqlite';
import { selectList } from '../../store/columns.ts';
import type { Row } from '../../store/index.ts';

/**
 * What a write puts into the outbox (the content it uploads and the content it was derived from).
 * An `enrol` row uploads only its delta (`sampleSum`, `samples`) with the name and features a new
 * profile gets; its `contentHash` is the delta's `enrolmentHash`, its embedding is empty.
 */
export interface OutboxEntry {
  speakerId: string;
  op: 'upsert' | 'delete' | 'enrol';
  priority: Priority;
  name: string;
  embedding: Uint8Array;
  acousticFeatures: string | null;
  totalSamples: number;
  contentHash: string;
  baseHash: string | null;
  updatedAt: number;
  /** For `enrol`: little-endian float64 sum of the new unit samples, and their count. */
  sampleSum?: Uint8Array | null;
  samples?: number | null;
}

export interface OutboxRow extends OutboxEntry {
  seq: number;
  mutationId: number | null;
  status: 'pending' | 'dead';
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: number;
}

/** Every column of the drizzle `outbox` table, as a SELECT list. */
export const OUTBOX_COLUMNS = selectList(outboxTable);

export function toOutboxRow(row: Row): OutboxRow {
  return {
    seq: Number(row.seq),
    speakerId: String(row.speaker_id),
    op: row.op === 'delete' ? 'delete' : row.op === 'enrol' ? 'enrol' : 'upsert',
    priority: toPriority(Number(row.priority)),
    name: String(row.name),
    embedding: new Uint8Array(row.embedding as ArrayBuffer),
    acousticFeatures: row.acoustic_features === null ? null : String(row.acoustic_features),
    totalSamples: Number(row.total_samples),
    contentHash: String(row.content_hash),
    baseHash: row.base_hash === null ? null : String(row.base_hash),
    updatedAt: Number(row.updated_at),
    mutationId: row.mutation_id === null ? null : Number(row.mutation_id),
    status: row.status === 'dead' ? 'dead' : 'pending',
    attempts: Number(row.attempts),
    nextAttemptAt: Number(row.next_attempt_at),
    lastError: row.last_error === null ? null : String(row.last_error),
    createdAt: Number(row.created_at),
    sampleSum: row.sample_sum == null ? null : new Uint8Array(row.sample_sum as ArrayBuffer),
    samples: row.samples == null ? null : Number(row.samples),
  };
}

/** The mutation a row uploads; its id must already be assigned. */
export function toMutation(row: OutboxRow): Mutation {
  if (row.mutationId === null) throw new Error(`outbox row ${row.seq} has no mutation id`);
  const mutation: Mutation = {
    mutationId: row.mutationId,
    speakerId: row.speakerId,
    op: row.op,
    baseHash: row.baseHash,
    contentHash: row.contentHash,
    updatedAt: row.updatedAt,
    priority: row.priority,
  };
  if (row.op === 'upsert') {
    mutation.profile = {
      name: row.name,
      embeddingB64: bytesToBase64(row.embedding),
      acousticFeatures: row.acousticFeatures === null ? null : JSON.parse(row.acousticFeatures),
      totalSamples: row.totalSamples,
    };
  }
  if (row.op === 'enrol') {
    if (!row.sampleSum || !row.samples)
      throw new Error(`outbox row ${row.seq} is an enrol without its delta`);
    mutation.enrolment = {
      name: row.name,
      acousticFeatures: row.acousticFeatures === null ? null : JSON.parse(row.acousticFeatures),
      sampleSumB64: bytesToBase64(row.sampleSum),
      samples: row.samples,
    };
  }
  return mutation;
}

/** The delta of an `enrol` row not yet numbered, which a new enrolment of its speaker adds to. */
export interface UnsentEnrolment {
  seq: number;
  sampleSum: SampleSum;
  samples: number;
}

export function toUnsentEnrolment(row: Row): UnsentEnrolment {
  return {
    seq: Number(row.seq),
    sampleSum: bytesToFloat64(new Uint8Array(row.sample_sum as ArrayBuffer)),
    samples: Number(row.samples),
  };
}
