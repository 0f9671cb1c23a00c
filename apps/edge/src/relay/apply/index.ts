// The push transaction: lock the device, refuse gaps, fold the batch, write it with one statement per table.
import { bytesToFloat32, bytesToFloat64, VoicesyncError } from '@voicesync/core';
import { MUTATION_GAP } from '@voicesync/schema';
import type postgres from 'postgres';
import type { Tx } from '../upstream/index.ts';
import { type BatchPlan, planBatch, type ServerContent } from './plan.ts';
import type { Checked } from './validate.ts';

export * from './plan.ts';
export * from './validate.ts';

export interface PushingDevice {
  deviceId: string;
  tenantId: string;
}

/**
 * Applies a checked batch for `device` and advances its last_mutation_id, all in `tx`.
 * Throws `mutation_gap` (rolling everything back) when the first new id is not last + 1.
 *
 * Two round trips for the whole transaction: BEGIN, the locks and the current content are asked
 * for together (pipelined), then everything the batch writes is one statement, with COMMIT
 * pipelined behind it. Its rows travel as jsonb parameters, so the statement text is constant
 * (prepared once) however many rows it carries.
 */
export async function applyBatch(
  tx: Tx,
  device: PushingDevice,
  batch: Checked[],
  latestTrustedUpdatedAt = Number.MAX_SAFE_INTEGER,
): Promise<BatchPlan & { newestChange: number | null }> {
  // Sorted, so two batches touching the same speakers lock them in the same order. Speakers of
  // replayed mutations are locked too: harmless, and known before the device row is read.
  const speakers = [
    ...new Set(batch.flatMap((checked) => (checked.content ? [checked.content.speakerId] : []))),
  ].sort();
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
  const newestChange = first ? await writePlan(tx, device, plan) : null;
  return { ...plan, newestChange };
}

/**
 * Locks the device, its tenant and the batch's profiles, and reads what the plan needs, in one
 * statement. FOR UPDATE of the device serialises its batches (revoked_at is re-read under it); FOR
 * NO KEY UPDATE of the tenant runs one batch at a time per tenant, so change-log ids commit in id
 * order and a pull cursor never skips one. Both are taken before the profiles, in every
 * transaction: the device branch of the UNION ALL runs to its end (Append runs its branches in
 * order) before the profiles' branch locks them, in speaker order (LockRows above the sort).
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
      null::jsonb as acoustic_features, null::integer as total_samples, null::bytea as embedding,
      null::bytea as sample_sum
    from locked
    union all
    select null, null, p.* from (
      select speaker_id, content_hash, updated_at, deleted,
        case when loaded then name end as name, case when loaded then acoustic_features end as acoustic_features,
        total_samples, case when loaded then embedding end as embedding,
        case when loaded then sample_sum end as sample_sum
      from (select *, speaker_id = any(${enrolling}) and not deleted as loaded from profiles
            where tenant_id = ${device.tenantId} and speaker_id = any(${speakers})) q
      order by speaker_id for update) p`;
  let row: DeviceRow | undefined;
  const server = new Map<string, ServerContent>();
  for (const r of rows) {
    if (r.speaker_id === null) row = r;
    else server.set(r.speaker_id, serverContent(r, latestTrusted));
  }
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
  embedding: Uint8Array | null;
  sample_sum: Uint8Array | null;
}

function serverContent(row: ProfileRow, latestTrusted: number): ServerContent {
  const updatedAt = Number(row.updated_at);
  const content: ServerContent = {
    contentHash: row.content_hash,
    updatedAt: updatedAt > latestTrusted ? 0 : updatedAt,
    deleted: row.deleted,
  };
  if (row.embedding && row.name !== null) {
    content.profile = {
      name: row.name,
      acousticFeatures: row.acoustic_features,
      totalSamples: row.total_samples,
      embedding: bytesToFloat32(row.embedding),
      sampleSum: row.sample_sum ? bytesToFloat64(row.sample_sum) : null,
    };
  }
  return content;
}

/**
 * Writes the plan in one statement: profiles, conflicts, the change log and the device's position.
 * Returns the sequence number of the batch's last change (null when it changed nothing): the
 * tenant's newest change, which the notification announces.
 */
async function writePlan(tx: Tx, device: PushingDevice, plan: BatchPlan): Promise<number | null> {
  const { deviceId, tenantId } = device;
  const writes = [...plan.writes.values()].map(({ content, applied }) => ({
    speaker_id: content.speakerId,
    // A tombstone drops the biometric content and keeps only the hash the conflict rule needs.
    name: content.profile?.name ?? '',
    embedding_b64: content.profile?.embeddingB64 ?? '',
    sample_sum_b64: content.sampleSumB64 ?? null,
    // zod's z.json() admitted it at the Worker, so it is JSON.
    acoustic_features: (content.profile?.acousticFeatures ?? null) as postgres.JSONValue,
    total_samples: content.profile?.totalSamples ?? 0,
    content_hash: content.contentHash,
    version: applied,
    deleted: content.profile === null,
    updated_at: content.updatedAt,
  }));
  const conflicts = plan.conflicts.map((conflict) => ({
    speaker_id: conflict.speakerId,
    mutation_id: conflict.mutationId,
    base_hash: conflict.baseHash,
    server_hash: conflict.serverHash,
    incoming_hash: conflict.incomingHash,
    winner: conflict.winner,
  }));
  const changes = plan.changes.map((change, position) => ({
    position,
    speaker_id: change.speakerId,
    content_hash: change.contentHash,
    mutation_id: change.mutationId,
  }));
  // Change sequence numbers follow the batch order (position), the order pulls replay them in;
  // they come from the tenant's own counter, so a cursor reveals nothing about other tenants.
  const written = tx<{ newest: string | null }[]>`
    with upserted as (
      insert into profiles (tenant_id, speaker_id, name, embedding, acoustic_features, total_samples,
        sample_sum, content_hash, version, deleted, updated_at, updated_by)
      select ${tenantId}, w.speaker_id, w.name, decode(w.embedding_b64, 'base64'), w.acoustic_features,
        w.total_samples, decode(w.sample_sum_b64, 'base64'), w.content_hash, w.version, w.deleted,
        w.updated_at, ${deviceId}
      from jsonb_to_recordset(${tx.json(writes)}) as w(speaker_id text, name text,
        embedding_b64 text, sample_sum_b64 text, acoustic_features jsonb, total_samples integer,
        content_hash text, version integer, deleted boolean, updated_at bigint)
      on conflict (tenant_id, speaker_id) do update set
        name = excluded.name, embedding = excluded.embedding, acoustic_features = excluded.acoustic_features,
        total_samples = excluded.total_samples, sample_sum = excluded.sample_sum,
        content_hash = excluded.content_hash,
        version = profiles.version + excluded.version, deleted = excluded.deleted,
        updated_at = excluded.updated_at, updated_by = excluded.updated_by
    ),
    recorded as (
      insert into conflicts (tenant_id, speaker_id, device_id, mutation_id, base_hash, server_hash,
        incoming_hash, winner)
      select ${tenantId}, c.speaker_id, ${deviceId}, c.mutation_id, c.base_hash, c.server_hash,
        c.incoming_hash, c.winner
      from jsonb_to_recordset(${tx.json(conflicts)}) as c(speaker_id text, mutation_id bigint,
        base_hash text, server_hash text, incoming_hash text, winner text)
    ),
    numbered as (
      update tenants set change_seq = change_seq + ${changes.length} where id = ${tenantId}
      returning change_seq - ${changes.length} as base
    ),
    logged as (
      insert into changes (tenant_id, seq, speaker_id, content_hash, device_id, mutation_id)
      select ${tenantId}, numbered.base + l.position + 1, l.speaker_id, l.content_hash, ${deviceId},
        l.mutation_id
      from numbered, jsonb_to_recordset(${tx.json(changes)})
        as l(position integer, speaker_id text, content_hash text, mutation_id bigint)
      order by l.position
      returning seq
    ),
    advanced as (
      update devices set last_mutation_id = ${plan.lastMutationId} where id = ${deviceId}
    )
    select max(seq) as newest from logged`;
  // COMMIT is pipelined behind the write: the ack still waits for both.
  const [newest] = await tx.commitWith(written);
  return newest?.newest == null ? null : Number(newest.newest);
}
