// A push in one round trip when the batch continues where the device and its speakers stand.
import type { Upstream } from '../upstream/index.ts';
import { applyBatch } from './locked.ts';
import { type BatchPlan, planBatch, type ServerContent } from './plan.ts';
import type { Checked } from './validate.ts';
import {
  jsonbLiteral,
  newestChange,
  type PushingDevice,
  pushArgument,
  type WriteAssumption,
} from './write.ts';

type Applied = BatchPlan & { newestChange: number | null };

/**
 * What a batch assumes when nothing happened since its device last heard from the edge: its
 * first mutation follows last_mutation_id, and each speaker holds the content its first mutation
 * was derived from (its base hash). Under that assumption the plan needs nothing from PostgreSQL:
 * no mutation is a duplicate, none conflicts, so the stored content is never compared or loaded.
 * Null for a batch with an enrolment: its merge needs the stored profile itself.
 */
export function assumedState(
  batch: Checked[],
): (WriteAssumption & { server: Map<string, ServerContent> }) | null {
  const first = batch[0];
  if (!first || batch.some((checked) => checked.content?.enrolment)) return null;
  const expect = new Map<string, string | null>();
  const server = new Map<string, ServerContent>();
  for (const { content, mutation } of batch) {
    if (!content || expect.has(content.speakerId)) continue;
    expect.set(content.speakerId, mutation.baseHash);
    // updatedAt matters only to the conflict rule, which a matching base hash never reaches.
    if (mutation.baseHash !== null)
      server.set(content.speakerId, { contentHash: mutation.baseHash, updatedAt: 0 });
  }
  return { last: first.mutation.mutationId - 1, expect, server };
}

/**
 * Applies a checked batch for `device`, exactly once. The common case is one message to
 * PostgreSQL (BEGIN, the call, COMMIT): the batch is planned on its assumed state and
 * `voicesync_push` writes it only if, under the locks every push takes, the device and the
 * speakers are as assumed. Otherwise (a replay, a gap, a conflict, an enrolment, a revoked
 * device) nothing was written and the batch takes the read-then-write transaction, which reads
 * the real state under the same locks and answers or refuses exactly as before.
 */
export async function pushBatch(
  upstream: Upstream,
  device: PushingDevice,
  batch: Checked[],
  latestTrustedUpdatedAt: number,
): Promise<Applied> {
  const assumed = assumedState(batch);
  if (assumed) {
    const plan = await planBatch(assumed.last, batch, assumed.server);
    const [written] = await upstream.oneMessage<{ applied: boolean; newest: string | null }>(
      `select applied, newest from voicesync_push(${jsonbLiteral(pushArgument(device, plan, assumed))})`,
    );
    if (written?.applied) return { ...plan, newestChange: newestChange(written.newest) };
  }
  return upstream.transaction((tx) => applyBatch(tx, device, batch, latestTrustedUpdatedAt));
}
