// The push transaction: lock the device, refuse gaps, fold the batch, write it with one statement per table.
import { VoicesyncError } from '@voicesync/core';
import { MUTATION_GAP } from '@voicesync/schema';
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
 */
export async function applyBatch(
  tx: Tx,
  device: PushingDevice,
  batch: Checked[],
): Promise<BatchPlan & { newestChange: number | null }> {
  // One round trip takes both locks. FOR UPDATE of the device serialises its batches (revoked_at is
  // re-read under it); FOR NO KEY UPDATE of the tenant runs one batch at a time per tenant, so
  // change-log ids commit in id order and a pull cursor never skips one.
  const [row] = await tx<{ last_mutation_id: string; revoked: boolean }[]>`
    select d.last_mutation_id, d.revoked_at is not null as revoked
    from devices d join tenants t on t.id = d.tenant_id
    where d.id = ${device.deviceId} and t.id = ${device.tenantId}
    for update of d for no key update of t`;
  if (!row) throw new VoicesyncError('unauthorized', 'unknown device');
  if (row.revoked) throw new VoicesyncError('device_revoked', 'this device has been revoked');

  const last = Number(row.last_mutation_id);
  const fresh = batch.filter((checked) => checked.mutation.mutationId > last);
  const first = fresh[0];
  if (first && first.mutation.mutationId !== last + 1) {
    throw new VoicesyncError(
      MUTATION_GAP,
      `expected mutation ${last + 1}, got ${first.mutation.mutationId}`,
      {
        details: { expected: last + 1, lastMutationId: last },
      },
    );
  }
  const speakers = [
    ...new Set(fresh.flatMap((checked) => (checked.content ? [checked.content.speakerId] : []))),
  ];
  const plan = planBatch(last, batch, await lockProfiles(tx, device.tenantId, speakers));
  const newestChange = fresh.length > 0 ? await writePlan(tx, device, plan) : null;
  return { ...plan, newestChange };
}

async function lockProfiles(
  tx: Tx,
  tenantId: string,
  speakers: string[],
): Promise<Map<string, ServerContent>> {
  if (speakers.length === 0) return new Map();
  // Sorted, so two batches touching the same speakers lock them in the same order.
  const rows = await tx<{ speaker_id: string; content_hash: string; updated_at: string }[]>`
    select speaker_id, content_hash, updated_at from profiles
    where tenant_id = ${tenantId} and speaker_id = any(${speakers})
    order by speaker_id for update`;
  return new Map(
    rows.map((r) => [r.speaker_id, { contentHash: r.content_hash, updatedAt: Number(r.updated_at) }]),
  );
}

/** Writes the plan; returns the id of the batch's last change (null when it changed nothing). */
async function writePlan(tx: Tx, device: PushingDevice, plan: BatchPlan): Promise<number | null> {
  const { deviceId, tenantId } = device;
  if (plan.writes.size > 0) {
    const rows = [...plan.writes.values()].map(({ content, applied }) => ({
      tenant_id: tenantId,
      speaker_id: content.speakerId,
      // A tombstone drops the biometric content and keeps only the hash the conflict rule needs.
      name: content.profile?.name ?? '',
      embedding: content.profile?.embedding ?? new Uint8Array(0),
      acoustic_features:
        content.profile?.acousticFeatures == null ? null : tx.json(content.profile.acousticFeatures as never),
      total_samples: content.profile?.totalSamples ?? 0,
      content_hash: content.contentHash,
      version: applied,
      deleted: content.profile === null,
      updated_at: content.updatedAt,
      updated_by: deviceId,
    }));
    await tx`
      insert into profiles ${tx(rows)}
      on conflict (tenant_id, speaker_id) do update set
        name = excluded.name, embedding = excluded.embedding, acoustic_features = excluded.acoustic_features,
        total_samples = excluded.total_samples, content_hash = excluded.content_hash,
        version = profiles.version + excluded.version, deleted = excluded.deleted,
        updated_at = excluded.updated_at, updated_by = excluded.updated_by`;
  }
  if (plan.conflicts.length > 0) {
    const rows = plan.conflicts.map((conflict) => ({
      tenant_id: tenantId,
      speaker_id: conflict.speakerId,
      device_id: deviceId,
      mutation_id: conflict.mutationId,
      base_hash: conflict.baseHash,
      server_hash: conflict.serverHash,
      incoming_hash: conflict.incomingHash,
      winner: conflict.winner,
    }));
    await tx`insert into conflicts ${tx(rows)}`;
  }
  if (plan.changes.length === 0) {
    await tx`update devices set last_mutation_id = ${plan.lastMutationId} where id = ${deviceId}`;
    return null;
  }
  const rows = plan.changes.map((change) => ({
    tenant_id: tenantId,
    speaker_id: change.speakerId,
    content_hash: change.contentHash,
    device_id: deviceId,
    mutation_id: change.mutationId,
  }));
  // The change log and the device's position in one round trip; under the tenant lock the largest
  // id inserted here is the tenant's newest change, which the notification announces.
  const [newest] = await tx<{ newest: string }[]>`
    with inserted as (insert into changes ${tx(rows)} returning id),
      advanced as (update devices set last_mutation_id = ${plan.lastMutationId} where id = ${deviceId})
    select max(id) as newest from inserted`;
  return Number(newest?.newest ?? 0);
}
