// Per-mutation checks zod cannot make: embedding size and values, and the hash of the content.
import { base64ToBytes, float32View, profileContentHash, tombstoneHash } from '@voicesync/core';
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
}

/** A mutation without its uploaded profile: what the Relay needs besides the checked content. */
export type MutationHeader = Omit<Mutation, 'profile'>;

/** What the Worker hands the Relay: the checked content of a valid mutation, or why it is invalid. */
export type Checked =
  | { mutation: MutationHeader; content: IncomingContent; reason?: undefined }
  | { mutation: MutationHeader; content?: undefined; reason: string };

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
  const { profile, ...mutation } = input;
  const { speakerId, contentHash } = mutation;
  const order = orderOf(mutation.updatedAt, clock);
  if (mutation.op === 'delete') {
    if (contentHash !== (await tombstoneHash(speakerId))) {
      return rejected(mutation, 'contentHash of a delete must be the tombstone hash of the speaker');
    }
    return { mutation, content: { speakerId, contentHash, ...order, profile: null } };
  }
  if (!profile) return rejected(mutation, 'an upsert carries its profile');
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
  if (!vector.every(Number.isFinite)) return rejected(mutation, 'embedding contains NaN or Infinity');
  const expected = await profileContentHash({
    speakerId,
    name: profile.name,
    embedding: vector,
    acousticFeatures: profile.acousticFeatures,
    totalSamples: profile.totalSamples,
  });
  if (contentHash !== expected) return rejected(mutation, 'contentHash does not match the profile content');
  return {
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
}
