// A push in one round trip when the batch continues where the device and its speakers stand.
import type { MutationStatus } from '../metrics/index.ts';
import type { Upstream } from '../upstream/index.ts';
import { type BatchPlan, planBatch, type ServerContent } from './plan.ts';
import type { Checked } from './validate.ts';
import {
  newestChange,
  type PushingDevice,
  pushArgument,
  pushLiteral,
  type WriteAssumption,
} from './write.ts';

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

/** A batch planned on its assumed state, for `Relay.pushPlanned`: the ack if it holds, and the write. */
export interface PlannedPush {
  plan: BatchPlan;
  /** `voicesync_push`'s argument as JSON text, without the device: one string crosses the RPC. */
  argument: string;
  /** How many mutations end in each status, for the Relay's counters. */
  counts: Record<MutationStatus, number>;
}

/**
 * Plans a checked batch on its assumed state, in the Worker (null: an enrolment, see
 * assumedState). Only if PostgreSQL holds what was assumed is the plan written and its results
 * the answer; otherwise nothing was written and the Relay's `push` reads and plans for real.
 */
export async function planAssumed(batch: Checked[]): Promise<PlannedPush | null> {
  const assumed = assumedState(batch);
  if (!assumed) return null;
  const plan = await planBatch(assumed.last, batch, assumed.server);
  const counts = { applied: 0, duplicate: 0, conflict: 0, rejected: 0 };
  for (const result of plan.results) counts[result.status] += 1;
  return { plan, argument: JSON.stringify(pushArgument(plan, assumed)), counts };
}

/**
 * Writes a planned batch for the authenticated `device` in one message to PostgreSQL (the
 * statement timeout and the call, one implicit transaction). `voicesync_push` takes the locks
 * every push takes and writes only if the device and the speakers are as assumed; `applied` false
 * means it wrote nothing.
 */
export async function writePlanned(
  upstream: Upstream,
  device: PushingDevice,
  argument: string,
): Promise<{ applied: boolean; newestChange: number | null }> {
  const [written] = await upstream.oneMessage<{ applied: boolean; newest: string | null }>(
    `select applied, newest from voicesync_push(${pushLiteral(argument, device)})`,
  );
  return { applied: written?.applied === true, newestChange: newestChange(written?.newest) };
}
