// Plans an enrolment: its samples are added to whatever the server holds, so concurrent enrolments merge.
import {
  addSums,
  bytesToBase64,
  centroidOfSum,
  float32ToBytes,
  float64ToBytes,
  profileContentHash,
} from '@voicesync/core';
import { MAX_INT32 } from '@voicesync/schema';
import type { BatchPlan, ServerContent } from './plan.ts';
import type { IncomingContent, IncomingEnrolment, MutationHeader } from './validate.ts';

/**
 * The rules (docs/sync-protocol-enrolment.md):
 * - live profile: the delta's sum and count are added, whatever the base hash; name and acoustic
 *   features stay the server's (a rename is a replace). Not a conflict.
 * - no row: the delta creates the profile with its name and features.
 * - tombstone: by causality, not clocks. A delta whose base is the tombstone (its device had seen
 *   the speaker deleted) creates it afresh from its own samples only; any other delta was enrolled
 *   into a profile its device believed alive, concurrently with the delete, and the delete wins:
 *   the delta is dropped and recorded as a conflict the server won. (Clocks would split one
 *   device's coalesced deltas across the delete; the base hash of the oldest never does.)
 * The result's updatedAt is the later of the two, so a replace made before this enrolment loses
 * to it under the conflict rule, and one made after wins.
 */
export async function planEnrolment(
  plan: BatchPlan,
  state: Map<string, ServerContent>,
  mutation: MutationHeader,
  incoming: IncomingContent,
  delta: IncomingEnrolment,
  current: ServerContent | null,
): Promise<void> {
  const { speakerId } = incoming;
  const { mutationId } = mutation;
  const reject = (reason: string) => plan.results.push({ mutationId, status: 'rejected', reason });
  const overDelete = current?.deleted === true;
  if (current && overDelete && mutation.baseHash !== current.contentHash) {
    // The losing device skipped the delete while its enrolment was pending: announce it again.
    plan.changes.push({ speakerId, contentHash: current.contentHash, mutationId });
    recordConflict(plan, mutation, incoming, current.contentHash, 'server');
    plan.results.push({ mutationId, status: 'conflict', winner: 'server', contentHash: current.contentHash });
    return;
  }
  const live = current && !overDelete ? current.profile : undefined;
  if (current && !overDelete && !live)
    throw new Error(`profile of ${speakerId} was not loaded for its enrolment`);
  const base = live ?? { name: delta.name, acousticFeatures: delta.acousticFeatures, totalSamples: 0 };
  const totalSamples = base.totalSamples + delta.samples;
  if (totalSamples > MAX_INT32) return void reject(`totalSamples would exceed ${MAX_INT32}`);
  const sum = live ? addSums(live.sampleSum, delta.sampleSum) : delta.sampleSum.slice();
  const embedding = centroidOfSum(sum);
  if (!embedding) return void reject('the samples cancel out: the centroid would be all zeros');
  const contentHash = await profileContentHash({
    speakerId,
    name: base.name,
    embedding,
    acousticFeatures: base.acousticFeatures,
    totalSamples,
  });
  const updatedAt = Math.max(incoming.updatedAt, current?.updatedAt ?? 0);
  const content: IncomingContent = {
    speakerId,
    contentHash,
    updatedAt,
    profile: {
      name: base.name,
      embeddingB64: bytesToBase64(float32ToBytes(embedding)),
      acousticFeatures: base.acousticFeatures,
      totalSamples,
    },
    sampleSumB64: bytesToBase64(float64ToBytes(sum)),
  };
  state.set(speakerId, {
    contentHash,
    updatedAt,
    deleted: false,
    profile: { ...base, totalSamples, sampleSum: sum },
  });
  const applied = (plan.writes.get(speakerId)?.applied ?? 0) + 1;
  plan.writes.set(speakerId, { content, applied });
  plan.changes.push({ speakerId, contentHash, mutationId });
  plan.results.push({ mutationId, status: 'applied', contentHash });
}

function recordConflict(
  plan: BatchPlan,
  mutation: MutationHeader,
  incoming: IncomingContent,
  serverHash: string,
  winner: 'incoming' | 'server',
): void {
  plan.conflicts.push({
    speakerId: incoming.speakerId,
    mutationId: mutation.mutationId,
    baseHash: mutation.baseHash,
    serverHash,
    incomingHash: incoming.contentHash,
    winner,
  });
}
