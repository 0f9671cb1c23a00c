// The write path of a profile: its row and its outbox entry in one libSQL transaction (guarantee 2).
import { addSums, enrolmentHash, float64ToBytes, type Priority, type SampleSum } from '@voicesync/core';
import type { Store } from '../store/index.ts';
import { enqueueEnrolmentStatements, enqueueStatements, unsentEnrolment } from '../sync/outbox/index.ts';
import { type StoredProfile, upsertProfileStatement } from './rows.ts';

/** Commits a replace or delete with its outbox entry; returns the row's new local version. */
export async function commitWrite(
  store: Store,
  write: Parameters<typeof upsertProfileStatement>[0],
  current: StoredProfile | undefined,
  priority: Priority,
): Promise<number> {
  const results = await store.client.batch(
    [
      upsertProfileStatement(write),
      ...enqueueStatements({
        speakerId: write.speakerId,
        op: write.deleted ? 'delete' : 'upsert',
        priority,
        name: write.name,
        embedding: write.embedding,
        acousticFeatures: write.acousticFeatures,
        totalSamples: write.totalSamples,
        contentHash: write.contentHash,
        baseHash: current?.contentHash ?? null,
        updatedAt: write.updatedAt,
      }),
    ],
    'write',
  );
  return Number(results[0]?.rows[0]?.version ?? 1);
}

/**
 * Like `commitWrite`, for an enrolment: the outbox gets the delta, added to a pending delta of the
 * speaker not yet numbered (sums add exactly as the edge would add them one after the other).
 */
export async function commitEnrolment(
  store: Store,
  write: Parameters<typeof upsertProfileStatement>[0],
  current: StoredProfile | undefined,
  delta: { sampleSum: SampleSum; samples: number },
  priority: Priority,
): Promise<number> {
  const pending = await unsentEnrolment(store, write.speakerId);
  const acousticFeatures = write.acousticFeatures === null ? null : JSON.parse(write.acousticFeatures);
  const entry = async (sum: SampleSum, samples: number) => ({
    speakerId: write.speakerId,
    op: 'enrol' as const,
    priority,
    name: write.name,
    embedding: new Uint8Array(0),
    acousticFeatures: write.acousticFeatures,
    totalSamples: write.totalSamples,
    contentHash: await enrolmentHash({
      speakerId: write.speakerId,
      name: write.name,
      acousticFeatures,
      sampleSum: sum,
      samples,
    }),
    baseHash: current?.contentHash ?? null,
    updatedAt: write.updatedAt,
    sampleSum: float64ToBytes(sum),
    samples,
  });
  const alone = await entry(delta.sampleSum, delta.samples);
  const merged = pending
    ? {
        seq: pending.seq,
        entry: await entry(addSums(pending.sampleSum, delta.sampleSum), pending.samples + delta.samples),
      }
    : undefined;
  const results = await store.client.batch(
    [upsertProfileStatement(write), ...enqueueEnrolmentStatements(alone, merged)],
    'write',
  );
  return Number(results[0]?.rows[0]?.version ?? 1);
}
