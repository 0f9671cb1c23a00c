// The plan of a batch as the one jsonb value `voicesync_push` (migrations 0005, 0006) writes, and how it travels.
import { VoicesyncError } from '@voicesync/core';
import type { BatchPlan } from './plan.ts';

export interface PushingDevice {
  deviceId: string;
  tenantId: string;
}

/**
 * What the write may assume: the device's last_mutation_id and, per speaker, the content hash
 * PostgreSQL holds (null: no row). `voicesync_push` writes nothing unless both still hold under
 * its locks.
 */
export interface WriteAssumption {
  last: number;
  expect: Map<string, string | null>;
}

/**
 * The argument of `voicesync_push` but the device: the assumption and everything the plan writes.
 * The Relay adds the device it authenticated (`pushLiteral`).
 */
export function pushArgument(plan: BatchPlan, assumed: WriteAssumption): object {
  const writes = [...plan.writes.values()].map(({ content, applied }) => ({
    speaker_id: content.speakerId,
    // A tombstone drops the biometric content and keeps only the hash the conflict rule needs.
    name: content.profile?.name ?? '',
    embedding_b64: content.profile?.embeddingB64 ?? '',
    sample_sum_b64: content.sampleSumB64 ?? null,
    // zod's z.json() (or the fast validator, which accepts the same) admitted it at the Worker.
    acoustic_features: content.profile?.acousticFeatures ?? null,
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
  return {
    last: assumed.last,
    // fromEntries defines own keys, so a speaker id such as "__proto__" stays a key.
    expect: Object.fromEntries(assumed.expect),
    lastMutationId: plan.lastMutationId,
    writes,
    conflicts,
    changes,
  };
}

/**
 * The argument's JSON text with the authenticated device's ids added last, as a jsonb literal for
 * a simple-protocol statement. jsonb keeps the last of duplicate keys, so they are the device's
 * whatever the text holds. `$` is written as the JSON escape `\u0024` (jsonb reads it back as `$`),
 * so no `$` is left in the text and nothing in it can close the dollar quotes: no content can end
 * the literal early. Each piece is escaped before the pieces are joined: the argument (flat, as
 * the RPC delivered it) is searched without a copy, and only the statement text postgres.js
 * writes is flattened, once.
 */
export function pushLiteral(argument: string, device: PushingDevice): string {
  if (!argument.startsWith('{"') || !argument.endsWith('}')) {
    throw new VoicesyncError('internal', 'a push argument must be a JSON object');
  }
  const ids = `"deviceId":${JSON.stringify(device.deviceId)},"tenantId":${JSON.stringify(device.tenantId)}`;
  return `$$${withoutDollars(argument).slice(0, -1)},${withoutDollars(ids)}}$$::jsonb`;
}

function withoutDollars(json: string): string {
  return json.includes('$') ? json.replaceAll('$', '\\u0024') : json;
}

/** `newest` as PostgreSQL returns it (int8 arrives as text): null when the batch logged no change. */
export function newestChange(newest: string | number | null | undefined): number | null {
  return newest == null ? null : Number(newest);
}
