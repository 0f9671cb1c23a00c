// Per-mutation checks zod cannot make: embedding size and values, and the hash of the content.
import {
  base64ToBytes,
  bytesToFloat64,
  enrolmentHash,
  float32View,
  profileContentHash,
  sumNorm,
  tombstoneHash,
  uploadedContentHash,
} from '@voicesync/core';
import type { Mutation } from '@voicesync/schema';

/**
 * What a valid mutation writes, or a tombstone. The embedding stays the base64 text the device
 * sent: it is canonical (one text per byte string), so PostgreSQL's `decode(text, 'base64')`
 * stores exactly the bytes that were hashed, and the Relay never re-encodes them.
 */
export interface IncomingContent {
  speakerId: string;
  contentHash: string;
  updatedAt: number;
  /** The device's own updatedAt when it was too far ahead of the edge clock and was clamped. */
  clampedFrom?: number;
  profile: {
    name: string;
    embeddingB64: string;
    acousticFeatures: unknown;
    totalSamples: number;
  } | null;
  /** Float64 sum of unit samples behind the embedding (base64); null or absent: written whole. */
  sampleSumB64?: string | null;
  /** Set for an enrolment: what it adds. `profile` is then null and the result is decided by the plan. */
  enrolment?: IncomingEnrolment;
}

/** A checked enrolment delta. */
export interface IncomingEnrolment {
  name: string;
  acousticFeatures: unknown;
  sampleSum: Float64Array;
  samples: number;
}

/** A mutation without its uploaded profile: what the Relay needs besides the checked content. */
export type MutationHeader = Omit<Mutation, 'profile' | 'enrolment'>;

/** What the Worker hands the Relay: the checked content of a valid mutation, or why it is invalid. */
export type Checked =
  | { mutation: MutationHeader; content: IncomingContent; reason?: undefined }
  | { mutation: MutationHeader; content?: undefined; reason: string };

/** A plain loop: `every(Number.isFinite)` costs a call per value (edge-profile showed it per push). */
function allFinite(values: Float32Array | Float64Array): boolean {
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    // NaN fails both comparisons; the infinities fail one.
    if (!(value - value === 0)) return false;
  }
  return true;
}

const CONTENT_HASH_MISMATCH = 'contentHash does not match the profile content';

function rejected(mutation: MutationHeader, reason: string): Checked {
  return { mutation, reason };
}

/** The edge clock (ms) and how far ahead of it a write's updatedAt may be (MAX_CLOCK_SKEW_MS). */
export interface EdgeClock {
  nowMs: number;
  maxClockSkewMs: number;
}

/**
 * The conflict order a write may claim: its updatedAt, unless that is more than the allowed skew
 * ahead of the edge clock, when it is clamped to the edge clock. Clamped rather than refused: the
 * content is valid and the device's clock is its only fault, so refusing would dead-letter every
 * write of a device whose clock is wrong; clamping keeps it syncing and caps what it can pin.
 */
export function orderOf(updatedAt: number, clock: EdgeClock): { updatedAt: number; clampedFrom?: number } {
  if (updatedAt <= clock.nowMs + clock.maxClockSkewMs) return { updatedAt };
  return { updatedAt: clock.nowMs, clampedFrom: updatedAt };
}

/**
 * Runs in the Worker, before the Relay is called: decoding and hashing are CPU work that the one
 * Relay instance should not serialise. A mutation that fails here is answered `rejected` with the
 * reason; it still consumes its id, so it never blocks the mutations after it.
 */
export async function checkMutation(
  input: Mutation,
  embeddingDim: number,
  clock: EdgeClock,
): Promise<Checked> {
  const { profile, enrolment: _enrolment, ...mutation } = input;
  const { speakerId, contentHash } = mutation;
  const order = orderOf(mutation.updatedAt, clock);
  if (mutation.op === 'delete') {
    if (contentHash !== (await tombstoneHash(speakerId))) {
      return rejected(mutation, 'contentHash of a delete must be the tombstone hash of the speaker');
    }
    return { mutation, content: { speakerId, contentHash, ...order, profile: null } };
  }
  if (mutation.op === 'enrol') return checkEnrolment(input, embeddingDim, order);
  if (!profile) return rejected(mutation, 'an upsert carries its profile');
  const content = {
    mutation,
    content: {
      speakerId,
      contentHash,
      ...order,
      profile: {
        name: profile.name,
        embeddingB64: profile.embeddingB64,
        acousticFeatures: profile.acousticFeatures,
        totalSamples: profile.totalSamples,
      },
    },
  };
  // A valid embedding is hashed in place; an invalid one takes the steps below, which say why.
  const hashed = uploadedContentHash({ speakerId, ...profile }, embeddingDim);
  if (hashed) {
    if (contentHash !== (await hashed)) return rejected(mutation, CONTENT_HASH_MISMATCH);
    return content;
  }
  let embedding: Uint8Array;
  try {
    embedding = base64ToBytes(profile.embeddingB64);
  } catch {
    return rejected(mutation, 'embeddingB64 is not valid base64');
  }
  if (embedding.byteLength !== embeddingDim * 4) {
    return rejected(
      mutation,
      `embedding must be ${embeddingDim} float32 values (${embeddingDim * 4} bytes), got ${embedding.byteLength} bytes`,
    );
  }
  const vector = float32View(embedding);
  if (!allFinite(vector)) return rejected(mutation, 'embedding contains NaN or Infinity');
  const expected = await profileContentHash({
    speakerId,
    name: profile.name,
    embedding: vector,
    acousticFeatures: profile.acousticFeatures,
    totalSamples: profile.totalSamples,
  });
  if (contentHash !== expected) return rejected(mutation, CONTENT_HASH_MISMATCH);
  return content;
}

/** An enrolment delta: float64 sum of the right size, finite, no longer than its count allows, hash matching. */
async function checkEnrolment(
  input: Mutation,
  embeddingDim: number,
  order: { updatedAt: number; clampedFrom?: number },
): Promise<Checked> {
  const { profile: _profile, enrolment, ...mutation } = input;
  const { speakerId, contentHash } = mutation;
  if (!enrolment) return rejected(mutation, 'an enrol carries its enrolment');
  let sampleSum: Float64Array;
  try {
    sampleSum = bytesToFloat64(base64ToBytes(enrolment.sampleSumB64));
  } catch {
    return rejected(mutation, 'sampleSumB64 is not valid base64 of float64 values');
  }
  if (sampleSum.length !== embeddingDim) {
    return rejected(
      mutation,
      `sampleSum must be ${embeddingDim} float64 values (${embeddingDim * 8} bytes), got ${sampleSum.length * 8} bytes`,
    );
  }
  if (!allFinite(sampleSum)) return rejected(mutation, 'sampleSum contains NaN or Infinity');
  // Every sample has norm 1, so their sum is no longer than their count (with room for rounding).
  if (sumNorm(sampleSum) > enrolment.samples * (1 + 1e-9)) {
    return rejected(mutation, `sampleSum is longer than ${enrolment.samples} unit samples can add up to`);
  }
  const delta = {
    name: enrolment.name,
    acousticFeatures: enrolment.acousticFeatures,
    sampleSum,
    samples: enrolment.samples,
  };
  if (contentHash !== (await enrolmentHash({ speakerId, ...delta }))) {
    return rejected(mutation, 'contentHash does not match the enrolment (enrolmentHash)');
  }
  return { mutation, content: { speakerId, contentHash, ...order, profile: null, enrolment: delta } };
}
