// Per-mutation checks zod cannot make: embedding size and values, and the hash of the content.
import { base64ToBytes, bytesToFloat32, profileContentHash, tombstoneHash } from '@voicesync/core';
import type { Mutation } from '@voicesync/schema';

/** What a valid mutation writes: the exact embedding bytes the device sent, or a tombstone. */
export interface IncomingContent {
  speakerId: string;
  contentHash: string;
  updatedAt: number;
  profile: {
    name: string;
    embedding: Uint8Array;
    acousticFeatures: unknown;
    totalSamples: number;
  } | null;
}

export type Checked =
  | { mutation: Mutation; content: IncomingContent; reason?: undefined }
  | { mutation: Mutation; content?: undefined; reason: string };

function rejected(mutation: Mutation, reason: string): Checked {
  return { mutation, reason };
}

/**
 * A mutation that fails here is answered `rejected` with the reason; it still consumes its id,
 * so it never blocks the mutations after it.
 */
export async function checkMutation(mutation: Mutation, embeddingDim: number): Promise<Checked> {
  const { speakerId, contentHash, updatedAt } = mutation;
  if (mutation.op === 'delete') {
    if (contentHash !== (await tombstoneHash(speakerId))) {
      return rejected(mutation, 'contentHash of a delete must be the tombstone hash of the speaker');
    }
    return { mutation, content: { speakerId, contentHash, updatedAt, profile: null } };
  }
  const profile = mutation.profile;
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
  const vector = bytesToFloat32(embedding);
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
      updatedAt,
      profile: {
        name: profile.name,
        embedding,
        acousticFeatures: profile.acousticFeatures,
        totalSamples: profile.totalSamples,
      },
    },
  };
}
