// Decides, in memory, what a batch does: duplicates, rejections, conflicts and the rows to write.
import { base64ToBytes, bytesToFloat64, float32View, sumOfCentroid } from '@voicesync/core';
import type { MutationResult } from '@voicesync/schema';
import { planEnrolment } from './merge.ts';
import { incomingWins } from './rule.ts';

export { incomingWins } from './rule.ts';
import type { Checked, IncomingContent } from './validate.ts';

/** What PostgreSQL holds for a speaker (a tombstone keeps its tombstone hash). */
export interface ServerContent {
  contentHash: string;
  updatedAt: number;
  deleted?: boolean;
  /** The live content, loaded only for speakers an enrolment of the batch adds to. */
  profile?: ServerProfile;
}

/** A live profile as the merge of an enrolment needs it. */
export interface ServerProfile {
  name: string;
  acousticFeatures: unknown;
  totalSamples: number;
  /**
   * The float64 sum of the unit samples behind the embedding. A profile written whole has none
   * stored: its unit embedding times totalSamples stands in (`sumOfCentroid`).
   */
  sampleSum: Float64Array;
}

export interface ConflictRecord {
  speakerId: string;
  mutationId: number;
  baseHash: string | null;
  serverHash: string | null;
  incomingHash: string;
  winner: 'incoming' | 'server';
}

export interface ChangeRecord {
  speakerId: string;
  contentHash: string;
  mutationId: number;
}

export interface BatchPlan {
  results: MutationResult[];
  /** Final content per speaker and how many applied mutations it folds (the version increment). */
  writes: Map<string, { content: IncomingContent; applied: number }>;
  changes: ChangeRecord[];
  conflicts: ConflictRecord[];
  lastMutationId: number;
}

/**
 * Folds a batch, in order, over the server's current content. Ids at or below
 * `lastMutationId` are duplicates; the caller has already refused a gap. Async only because an
 * enrolment's result is hashed (WebCrypto); it does no I/O.
 */
export async function planBatch(
  lastMutationId: number,
  batch: Checked[],
  server: Map<string, ServerContent>,
): Promise<BatchPlan> {
  const state = new Map(server);
  // Only an enrolment merges into content the batch wrote before it: decoding every written
  // embedding back to floats for the fold would be wasted on all other speakers.
  const enrolled = new Set(
    batch.flatMap((checked) => (checked.content?.enrolment ? [checked.content.speakerId] : [])),
  );
  const plan: BatchPlan = { results: [], writes: new Map(), changes: [], conflicts: [], lastMutationId };
  for (const checked of batch) {
    const { mutation } = checked;
    if (mutation.mutationId <= lastMutationId) {
      plan.results.push({ mutationId: mutation.mutationId, status: 'duplicate' });
      continue;
    }
    plan.lastMutationId = mutation.mutationId;
    if (!checked.content) {
      plan.results.push({ mutationId: mutation.mutationId, status: 'rejected', reason: checked.reason });
      continue;
    }
    const incoming = checked.content;
    const current = state.get(incoming.speakerId) ?? null;
    if (incoming.enrolment) {
      await planEnrolment(plan, state, mutation, incoming, incoming.enrolment, current);
      continue;
    }
    const serverHash = current?.contentHash ?? null;
    const conflicted = mutation.baseHash !== serverHash;
    const wins = !conflicted || incomingWins(incoming, current);
    if (wins) {
      state.set(incoming.speakerId, serverContentOf(incoming, enrolled.has(incoming.speakerId)));
      const applied = (plan.writes.get(incoming.speakerId)?.applied ?? 0) + 1;
      plan.writes.set(incoming.speakerId, { content: incoming, applied });
      plan.changes.push({
        speakerId: incoming.speakerId,
        contentHash: incoming.contentHash,
        mutationId: mutation.mutationId,
      });
    }
    const contentHash = state.get(incoming.speakerId)?.contentHash;
    if (!conflicted) {
      plan.results.push({ mutationId: mutation.mutationId, status: 'applied', contentHash });
      continue;
    }
    const winner = wins ? 'incoming' : 'server';
    if (!wins && serverHash !== null) {
      // Re-announce the winning server content in the change log: the losing device skipped the
      // earlier change while its write was pending, and must converge through pull.
      plan.changes.push({
        speakerId: incoming.speakerId,
        contentHash: serverHash,
        mutationId: mutation.mutationId,
      });
    }
    plan.conflicts.push({
      speakerId: incoming.speakerId,
      mutationId: mutation.mutationId,
      baseHash: mutation.baseHash,
      serverHash,
      incomingHash: incoming.contentHash,
      winner,
    });
    plan.results.push({ mutationId: mutation.mutationId, status: 'conflict', winner, contentHash });
  }
  return plan;
}

/**
 * What the server holds once `content` is written (the state later mutations of the batch fold
 * over); the live profile only when `withProfile` (an enrolment of the batch will add to it).
 */
export function serverContentOf(content: IncomingContent, withProfile = true): ServerContent {
  const { contentHash, updatedAt, profile } = content;
  if (!profile) return { contentHash, updatedAt, deleted: true };
  if (!withProfile) return { contentHash, updatedAt, deleted: false };
  return {
    contentHash,
    updatedAt,
    deleted: false,
    profile: {
      name: profile.name,
      acousticFeatures: profile.acousticFeatures,
      totalSamples: profile.totalSamples,
      sampleSum: content.sampleSumB64
        ? bytesToFloat64(base64ToBytes(content.sampleSumB64))
        : sumOfCentroid(float32View(base64ToBytes(profile.embeddingB64)), profile.totalSamples),
    },
  };
}
