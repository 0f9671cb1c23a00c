// A page of the tenant's change log after a cursor, joined with the content PostgreSQL holds now.
import type { PullChange, PullResponse, WireProfile } from '@voicesync/schema';
import type { Tx } from '../upstream/index.ts';

/** Tells the agent to forget its cursor and pull from 0 (the cursor was malformed, ahead of the log, or behind the compaction horizon). */
export const PULL_RESET: PullResponse = { reset: true, changes: [], nextCursor: 0, hasMore: true };

export interface ChangeRow {
  /** The tenant's change sequence number: the cursor. */
  seq: string;
  speaker_id: string;
  name: string;
  /** Standard base64, encoded by PostgreSQL: see the query for why. */
  embedding_b64: string;
  acoustic_features: WireProfile['acousticFeatures'];
  total_samples: number;
  sample_sum_b64: string | null;
  content_hash: string;
  version: number;
  deleted: boolean;
  updated_at: string;
  /** The pulling device wrote this content. */
  own?: boolean;
}

/**
 * Builds the response from up to `limit + 1` rows in id order: one entry per speaker (its latest
 * change in the page), `nextCursor` = the last row of the page, `hasMore` when a row was left over.
 */
export function pageOf(rows: ChangeRow[], cursor: number, limit: number): PullResponse {
  const page = rows.slice(0, limit);
  const latest = new Map<string, ChangeRow>();
  for (const row of page) {
    latest.delete(row.speaker_id);
    latest.set(row.speaker_id, row);
  }
  const changes = [...latest.values()].map((row): PullChange => {
    const change: PullChange = {
      cursor: Number(row.seq),
      speakerId: row.speaker_id,
      op: row.deleted ? 'delete' : 'upsert',
      contentHash: row.content_hash,
      updatedAt: Number(row.updated_at),
      version: row.version,
    };
    if (row.own) change.own = true;
    if (!row.deleted) {
      change.profile = {
        name: row.name,
        embeddingB64: row.embedding_b64,
        acousticFeatures: row.acoustic_features,
        totalSamples: row.total_samples,
      };
      if (row.sample_sum_b64 !== null) change.sampleSumB64 = row.sample_sum_b64;
    }
    return change;
  });
  const last = page.at(-1);
  return { changes, nextCursor: last ? Number(last.seq) : cursor, hasMore: rows.length > limit };
}

export async function pullChanges(
  tx: Tx,
  tenantId: string,
  deviceId: string,
  cursor: number,
  limit: number,
): Promise<PullResponse> {
  const [head] = await tx<{ newest: string; horizon: string }[]>`
    select coalesce((select change_seq from tenants where id = ${tenantId}), 0) as newest,
           coalesce((select horizon from compaction_horizons where tenant_id = ${tenantId}), 0) as horizon`;
  const horizon = Number(head?.horizon ?? 0);
  // Compaction may have removed a tombstone after the cursor (then the newest change), never one before it.
  if (cursor > Math.max(Number(head?.newest ?? 0), horizon)) return PULL_RESET;
  if (cursor > 0 && cursor < horizon) return { ...PULL_RESET, compacted: true };
  // Each change's profile is one lookup by the whole primary key (a lateral subquery the planner
  // cannot flatten): a cached plan that joined by tenant_id alone read the tenant per change.
  // The bytes leave PostgreSQL as base64 text (its encoder breaks lines every 76 characters;
  // translate removes them): a bytea column would arrive as hex text for postgres.js to decode and
  // the Relay to encode again, the largest share of a pull's CPU in the edge profile.
  const rows = await tx<ChangeRow[]>`
    select c.seq, c.speaker_id, p.name, translate(encode(p.embedding, 'base64'), chr(10), '') as embedding_b64,
           p.acoustic_features, p.total_samples,
           translate(encode(p.sample_sum, 'base64'), chr(10), '') as sample_sum_b64, p.content_hash, p.version, p.deleted, p.updated_at,
           p.updated_by = ${deviceId} as own
    from changes c
    cross join lateral (
      select * from profiles p where p.tenant_id = c.tenant_id and p.speaker_id = c.speaker_id offset 0) p
    where c.tenant_id = ${tenantId} and c.seq > ${cursor}
    order by c.seq
    limit ${limit + 1}`;
  return pageOf(rows, cursor, limit);
}
