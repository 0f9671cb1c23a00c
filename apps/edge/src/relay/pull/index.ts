// A page of the tenant's change log after a cursor, joined with the content PostgreSQL holds now.
import type { PullChange, PullResponse, WireProfile } from '@voicesync/schema';
import { integerLiteral, textLiteral } from '../upstream/index.ts';

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

/** Runs one parameterless statement in a transaction of its own (`Upstream.oneMessage`). */
export type OneMessage = <R extends object>(statement: string) => Promise<R[]>;

/** The head of the tenant's log, on every row of the pull's answer; the change columns are null when no change follows. */
type PullRow = { newest: string; horizon: string } & (ChangeRow | { seq: null });

/**
 * A page of the tenant's change log after `cursor`, read in one message and one snapshot: the head
 * of the log (its newest `seq` and the compaction horizon) and up to `limit + 1` changes. The
 * changes are read only when the head calls for no reset; the reset itself is decided here.
 */
export async function pullChanges(
  run: OneMessage,
  tenantId: string,
  deviceId: string,
  cursor: number,
  limit: number,
): Promise<PullResponse> {
  const tenant = textLiteral(tenantId);
  const after = integerLiteral(cursor);
  // The page must come from an ordered scan of changes_tenant_seq that stops at the limit. With
  // literals PostgreSQL plans each pull afresh, and on stale statistics (a tenant that grew since
  // the last analyze) it took a bitmap scan and a sort that read every change after the cursor
  // (relay/large-tenant.test.ts); without bitmap scans the ordered index scan is the cheapest.
  // Each change's profile is one lookup by the whole primary key (a lateral subquery the planner
  // cannot flatten). The bytes leave PostgreSQL as base64 text (its encoder breaks lines every 76
  // characters; translate removes them): a bytea column would arrive as hex text for postgres.js to
  // decode and the Relay to encode again, the largest share of a pull's CPU in the edge profile.
  const rows = await run<PullRow>(`set local enable_bitmapscan = off;
    select h.newest, h.horizon, r.*
    from (select coalesce((select change_seq from tenants where id = ${tenant}), 0) as newest,
                 coalesce((select horizon from compaction_horizons where tenant_id = ${tenant}), 0) as horizon) h
    left join lateral (
      select c.seq, c.speaker_id, p.name, translate(encode(p.embedding, 'base64'), chr(10), '') as embedding_b64,
             p.acoustic_features, p.total_samples,
             translate(encode(p.sample_sum, 'base64'), chr(10), '') as sample_sum_b64, p.content_hash, p.version,
             p.deleted, p.updated_at, p.updated_by = ${textLiteral(deviceId)} as own
      from changes c
      cross join lateral (
        select * from profiles p where p.tenant_id = c.tenant_id and p.speaker_id = c.speaker_id offset 0) p
      where c.tenant_id = ${tenant} and c.seq > ${after}
        and ${after} <= greatest(h.newest, h.horizon) and (${after} = 0 or ${after} >= h.horizon)
      order by c.seq
      limit ${integerLiteral(limit + 1)}) r on true
    order by r.seq`);
  const head = rows[0];
  const horizon = Number(head?.horizon ?? 0);
  // Compaction may have removed a tombstone after the cursor (then the newest change), never one before it.
  if (cursor > Math.max(Number(head?.newest ?? 0), horizon)) return PULL_RESET;
  if (cursor > 0 && cursor < horizon) return { ...PULL_RESET, compacted: true };
  const changes = rows.filter((row): row is PullRow & ChangeRow => row.seq !== null);
  return pageOf(changes, cursor, limit);
}
