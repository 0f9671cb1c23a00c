// The push transaction: lock the device, refuse gaps, fold the batch, write it with one call.
import { base64ToBytes, bytesToFloat64, float32View, sumOfCentroid, VoicesyncError } from '@voicesync/core';
import { MUTATION_GAP } from '@voicesync/schema';
import type postgres from 'postgres';
import { emptyResults, type Tx } from '../upstream/index.ts';
import { type BatchPlan, planBatch, type ServerContent } from './plan.ts';
import type { Checked } from './validate.ts';
import { newestChange, type PushingDevice, pushArgument } from './write.ts';

/**
 * Applies a checked batch for `device` and advances its last_mutation_id, all in `tx`.
 * Throws `mutation_gap` (rolling everything back) when the first new id is not last + 1.
 *
 * Two round trips for the whole transaction: BEGIN, the locks and the current content are asked
 * for together (pipelined), then everything the batch writes is one call of `voicesync_push`
 * (its plan as one jsonb parameter), with COMMIT pipelined behind it. `pushBatch` tries the
 * cheaper one-message path first; this is the path for what it cannot assume.
 */
export async function applyBatch(
  tx: Tx,
  device: PushingDevice,
  batch: Checked[],
  latestTrustedUpdatedAt = Number.MAX_SAFE_INTEGER,
): Promise<BatchPlan & { newestChange: number | null }> {
  // lockBatch sorts them in PostgreSQL's collation, the order voicesync_push locks in, so two
  // batches touching the same speakers lock them in the same order. Speakers of replayed
  // mutations are locked too: harmless, and known before the device row is read.
  const speakers = [
    ...new Set(batch.flatMap((checked) => (checked.content ? [checked.content.speakerId] : []))),
  ];
  // Enrolments merge into the content held, so theirs is read too (only theirs: it is the bulk).
  const enrolling = [
    ...new Set(batch.flatMap((checked) => (checked.content?.enrolment ? [checked.content.speakerId] : []))),
  ];
  const { row, server } = await lockBatch(tx, device, speakers, enrolling, latestTrustedUpdatedAt);
  if (!row) throw new VoicesyncError('unauthorized', 'unknown device');
  if (row.revoked) throw new VoicesyncError('device_revoked', 'this device has been revoked');

  const last = Number(row.last_mutation_id);
  const first = batch.find((checked) => checked.mutation.mutationId > last);
  if (first && first.mutation.mutationId !== last + 1) {
    throw new VoicesyncError(
      MUTATION_GAP,
      `expected mutation ${last + 1}, got ${first.mutation.mutationId}`,
      {
        details: { expected: last + 1, lastMutationId: last },
      },
    );
  }
  const plan = await planBatch(last, batch, server);
  return { ...plan, newestChange: first ? await writePlan(tx, device, plan, last) : null };
}

/** Writes the plan under the locks this transaction holds, so what the write checks holds too. */
async function writePlan(
  tx: Tx,
  device: PushingDevice,
  plan: BatchPlan,
  last: number,
): Promise<number | null> {
  const { deviceId, tenantId } = device;
  const argument = { ...pushArgument(plan, { last, expect: new Map() }), deviceId, tenantId };
  // COMMIT is pipelined behind the write: the ack still waits for both.
  const [written] = await tx.commitWith(
    tx<{ applied: boolean; newest: string | null }[]>`
      select applied, newest from voicesync_push(${tx.json(argument as postgres.JSONValue)})`,
  );
  if (!written?.applied)
    throw new VoicesyncError('internal', 'the push write found the locked state changed');
  return newestChange(written.newest);
}

/**
 * Locks the device, its tenant and the batch's profiles, and reads what the plan needs, in one
 * statement. FOR UPDATE of the device serialises its batches (revoked_at is re-read under it); FOR
 * NO KEY UPDATE of the tenant runs one batch at a time per tenant, so change-log ids commit in id
 * order and a pull cursor never skips one. Both are taken before the profiles, in every
 * transaction: the device branch of the UNION ALL runs to its end (Append runs its branches in
 * order) before the profiles' branch locks them, in speaker order (the sorted array's order).
 * Each profile is one lookup by the whole primary key (a lateral subquery the planner cannot
 * flatten): a cached plan that went by tenant_id alone read the whole tenant for every batch.
 *
 * A stored updatedAt beyond `latestTrusted` (edge clock + allowed skew) was written before the
 * edge clamped clocks (e.g. 2^53-1): it counts as 0, so the next write of the profile wins any
 * conflict and replaces it with an order the edge trusts. This is how a pinned profile is repaired.
 */
async function lockBatch(
  tx: Tx,
  device: PushingDevice,
  speakers: string[],
  enrolling: string[],
  latestTrusted: number,
): Promise<{ row: DeviceRow | undefined; server: Map<string, ServerContent> }> {
  const rows = await tx<(ProfileRow & DeviceRow)[]>`
    with locked as materialized (
      select d.last_mutation_id, d.revoked_at is not null as revoked
      from devices d join tenants t on t.id = d.tenant_id
      where d.id = ${device.deviceId} and t.id = ${device.tenantId}
      for update of d for no key update of t
    )
    select last_mutation_id, revoked, null::text as speaker_id, null::text as content_hash,
      null::bigint as updated_at, null::boolean as deleted, null::text as name,
      null::jsonb as acoustic_features, null::integer as total_samples, null::text as embedding_b64,
      null::text as sample_sum_b64
    from locked
    union all
    select null, null, p.* from (
      select q.speaker_id, content_hash, updated_at, deleted,
        case when loaded then name end as name, case when loaded then acoustic_features end as acoustic_features,
        total_samples,
        case when loaded and sample_sum is null
          then translate(encode(embedding, 'base64'), chr(10), '') end as embedding_b64,
        case when loaded then translate(encode(sample_sum, 'base64'), chr(10), '') end as sample_sum_b64
      from unnest((select array_agg(s order by s) from unnest(${speakers}::text[]) as s)) as k(speaker_id)
      cross join lateral (
        select *, speaker_id = any(${enrolling}) and not deleted as loaded from profiles
        where tenant_id = ${device.tenantId} and speaker_id = k.speaker_id
        offset 0 for update) q) p`;
  let row: DeviceRow | undefined;
  const server = new Map<string, ServerContent>();
  for (const r of rows) {
    if (r.speaker_id === null) row = r;
    else server.set(r.speaker_id, serverContent(r, latestTrusted));
  }
  // Decoded above, so the rows' base64 texts are not carried to the old generation by the finished
  // query that the runtime keeps alive (see forgetStatement).
  emptyResults([rows]);
  return { row, server };
}

interface DeviceRow {
  last_mutation_id: string;
  revoked: boolean;
}

interface ProfileRow {
  speaker_id: string;
  content_hash: string;
  updated_at: string;
  deleted: boolean;
  name: string | null;
  acoustic_features: unknown;
  total_samples: number;
  /**
   * Base64 without line breaks, as the pull reads them: a bytea arrives as hex text, which
   * postgres.js decodes with the runtime's hex decoder, 11 % of an enrolment push's CPU in workerd
   * (docs/capacity.md, round 9). The embedding only where no sum is stored: the merge adds to the
   * sum, and stands in the centroid for it only when there is none.
   */
  embedding_b64: string | null;
  sample_sum_b64: string | null;
}

function serverContent(row: ProfileRow, latestTrusted: number): ServerContent {
  const updatedAt = Number(row.updated_at);
  const content: ServerContent = {
    contentHash: row.content_hash,
    updatedAt: updatedAt > latestTrusted ? 0 : updatedAt,
    deleted: row.deleted,
  };
  // Loaded (name set) for an enrolled speaker that is not deleted: its sum, or its centroid's.
  if (row.name === null) return content;
  const sampleSum =
    row.sample_sum_b64 !== null
      ? bytesToFloat64(base64ToBytes(row.sample_sum_b64))
      : row.embedding_b64 !== null
        ? sumOfCentroid(float32View(base64ToBytes(row.embedding_b64)), row.total_samples)
        : null;
  if (sampleSum) {
    content.profile = {
      name: row.name,
      acousticFeatures: row.acoustic_features,
      totalSamples: row.total_samples,
      sampleSum,
    };
  }
  return content;
}
