// The SQL of compaction: superseded changes, tombstones and conflict records past the retention,
// each bounded by `batch`, each in its own short transaction.
import type { Tx } from '../upstream/index.ts';

export interface CompactionOptions {
  /** Rows looked at per step (one transaction, one pooled connection). */
  batch: number;
  /** Tombstones and conflict records older than this are removed. */
  retentionMs: number;
}

export interface StepResult {
  /** Where the superseded-change scan stopped; 0 when it reached the end of the log (a round is done). */
  after: number;
  superseded: number;
  tombstones: number;
  conflicts: number;
}

/**
 * Each step plans its statement for the log as it is now. A prepared statement switches to a
 * generic plan after five runs, and one made while the log was small seq-scans it for good: every
 * step then reads the whole log, and a round becomes quadratic in its size.
 */
async function planForNow(tx: Tx): Promise<void> {
  await tx`set local plan_cache_mode = force_custom_plan`;
}

/**
 * Removes, among the next `batch` changes after `after`, those a newer change of the same speaker
 * supersedes. Safe without a resync: pull joins the log with the content PostgreSQL holds now, so
 * the newer change serves every cursor the older one did. The newer change is looked for once per
 * scanned change, by index (a `LATERAL ... LIMIT 1` the planner cannot turn into a join), and the
 * superseded ones are deleted by primary key: a step reads about 3 × `batch` rows, whatever the
 * log's size (as an EXISTS joined with the log, it hashed the whole log in every step).
 */
export async function removeSuperseded(
  tx: Tx,
  after: number,
  batch: number,
): Promise<{ last: number; removed: number }> {
  await planForNow(tx);
  const [row] = await tx<{ last: string | null; scanned: number; removed: number }[]>`
    with scanned as (
      select id, tenant_id, speaker_id from changes where id > ${after} order by id limit ${batch}
    ), doomed as (
      delete from changes c
      where c.id = any (array(
        select s.id from scanned s
        cross join lateral (
          select 1 from changes n
          where n.tenant_id = s.tenant_id and n.speaker_id = s.speaker_id and n.id > s.id
          limit 1) newer))
      returning c.id
    )
    select (select max(id) from scanned) as last, (select count(*)::int from scanned) as scanned,
           (select count(*)::int from doomed) as removed`;
  const scanned = row?.scanned ?? 0;
  // A short page means the scan reached the end: the next round starts over at 0.
  return { last: scanned < batch ? 0 : Number(row?.last ?? 0), removed: row?.removed ?? 0 };
}

/**
 * Removes up to `batch` tombstones older than `cutoffMs` (the device clock of the delete, bounded
 * by the edge's skew check), oldest first through the partial index `profiles_tombstones` (pg
 * migration 0007; before it, every round scanned the whole profiles table), with their changes,
 * and raises the tenant's horizon past them: a cursor below the horizon may have missed a delete
 * that is no longer in the log, so pull resets it.
 */
export async function removeTombstones(tx: Tx, cutoffMs: number, batch: number): Promise<number> {
  await planForNow(tx);
  const [row] = await tx<{ removed: number }[]>`
    with dead as (
      select tenant_id, speaker_id from profiles
      where deleted and updated_at < ${cutoffMs}
      order by updated_at limit ${batch} for update skip locked
    ), gone as (
      delete from changes c using dead d
      where c.tenant_id = d.tenant_id and c.speaker_id = d.speaker_id
      returning c.tenant_id, c.seq
    ), horizon as (
      insert into compaction_horizons (tenant_id, horizon)
      select tenant_id, max(seq) from gone group by tenant_id
      on conflict (tenant_id) do update
        set horizon = greatest(compaction_horizons.horizon, excluded.horizon), compacted_at = now()
    ), removed as (
      delete from profiles p using dead d
      where p.tenant_id = d.tenant_id and p.speaker_id = d.speaker_id
      returning 1
    )
    select count(*)::int as removed from removed`;
  return row?.removed ?? 0;
}

/** Removes up to `batch` conflict records older than the retention, oldest first. */
export async function removeOldConflicts(tx: Tx, retentionMs: number, batch: number): Promise<number> {
  await planForNow(tx);
  const [row] = await tx<{ removed: number }[]>`
    with old as (
      select id from conflicts
      where created_at < now() - make_interval(secs => ${retentionMs / 1000})
      order by id limit ${batch}
    ), removed as (delete from conflicts c using old o where c.id = o.id returning 1)
    select count(*)::int as removed from removed`;
  return row?.removed ?? 0;
}
