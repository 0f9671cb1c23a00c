// The outbox's SQL: how a write enters it, and the queries that find the next batch.
import { outbox as outboxTable } from '@voicesync/schema/sqlite';
import { type ColumnKey, columnNames } from '../../store/columns.ts';
import type { InStatement, Store, Value } from '../../store/index.ts';
import { OUTBOX_COLUMNS, type OutboxEntry, toUnsentEnrolment, type UnsentEnrolment } from './rows.ts';

/** The sync_state key of the last mutation id the edge acknowledged. */
export const LAST_ACKED = 'last_mutation_id';

/** Rows numbered and not yet settled, after an id, in id order. */
export const IN_FLIGHT_SQL = `SELECT ${OUTBOX_COLUMNS} FROM outbox INDEXED BY outbox_mutation
  WHERE status = 'pending' AND mutation_id > ? ORDER BY mutation_id LIMIT ?`;

/**
 * Rows of the given levels that may join a batch: not numbered, due, with no older row of their
 * speaker, and not already picked; highest priority first, then oldest.
 */
export function eligibleSql(levels: number, picked = 0): string {
  const list = (n: number) => Array.from({ length: n }, () => '?').join(', ');
  return `SELECT ${OUTBOX_COLUMNS} FROM outbox o
  WHERE status = 'pending' AND mutation_id IS NULL AND next_attempt_at <= ? AND priority IN (${list(levels)})
    AND seq NOT IN (${list(picked)})
    AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.speaker_id = o.speaker_id AND p.seq < o.seq)
  ORDER BY priority, seq LIMIT ?`;
}

/** The highest id ever handed out: numbered rows, or the last acknowledged one when none is left. */
export const HIGHEST_ID_SQL = `SELECT MAX(mutation_id) AS numbered,
  (SELECT value FROM sync_state WHERE key = '${LAST_ACKED}') AS acked FROM outbox`;

/**
 * The speaker's newest row (any status), when it is unsent (pending, no mutation id yet) and of
 * `ops`: the only row a new write may coalesce into. Coalescing into anything older, or across
 * kinds, would reorder writes; folding a replace into a delta (or back) would change what survives
 * a conflict. Binds the speaker id once.
 */
function newestUnsent(ops: string): string {
  return `seq = (SELECT MAX(seq) FROM outbox WHERE speaker_id = ?) AND status = 'pending'
    AND mutation_id IS NULL AND op IN (${ops})`;
}

/**
 * Statements that enqueue a replace or delete inside the caller's transaction. When the speaker's
 * newest row is an unsent replace or delete, it takes the newest content and highest priority and
 * keeps its base hash and position; otherwise (nothing, an enrolment, or a row already numbered) a
 * new row is appended.
 */
export function enqueueStatements(entry: OutboxEntry): InStatement[] {
  return [
    {
      sql: `UPDATE outbox SET op = ?, priority = MIN(priority, ?), name = ?, embedding = ?, acoustic_features = ?,
              total_samples = ?, content_hash = ?, updated_at = ?
            WHERE ${newestUnsent(`'upsert', 'delete'`)}`,
      args: [
        entry.op,
        entry.priority,
        entry.name,
        entry.embedding,
        entry.acousticFeatures,
        entry.totalSamples,
        entry.contentHash,
        entry.updatedAt,
        entry.speakerId,
      ],
    },
    insertStatement(entry),
  ];
}

/** The columns a new entry sets (drizzle keys of `outbox`), in the order `insertStatement` binds them. */
const INSERTED = [
  'op',
  'priority',
  'name',
  'embedding',
  'acousticFeatures',
  'totalSamples',
  'contentHash',
  'updatedAt',
  'speakerId',
  'baseHash',
  'sampleSum',
  'samples',
] as const satisfies readonly ColumnKey<typeof outboxTable>[];

const INSERT_COLUMNS = columnNames(outboxTable, INSERTED).join(', ');
const INSERT_VALUES = INSERTED.map(() => '?').join(', ');

/** Appends `entry`; `unlessChanged`: only when the statement before it changed no row. */
function insertStatement(entry: OutboxEntry, unlessChanged = true): InStatement {
  const values: Record<(typeof INSERTED)[number], Value> = {
    ...entry,
    baseHash: entry.baseHash,
    sampleSum: entry.sampleSum ?? null,
    samples: entry.samples ?? null,
  };
  return {
    sql: `INSERT INTO outbox (${INSERT_COLUMNS})
          SELECT ${INSERT_VALUES}${unlessChanged ? ' WHERE changes() = 0' : ''}`,
    args: INSERTED.map((key) => values[key]),
  };
}

/** The speaker's newest row when it is an unsent enrolment, which the next enrolment adds to. */
export async function unsentEnrolment(store: Store, speakerId: string): Promise<UnsentEnrolment | undefined> {
  const rs = await store.client.execute({
    sql: `SELECT seq, sample_sum, samples FROM outbox WHERE ${newestUnsent(`'enrol'`)}`,
    args: [speakerId],
  });
  const row = rs.rows[0];
  return row && row.sample_sum != null ? toUnsentEnrolment(row) : undefined;
}

/**
 * Statements that enqueue an enrolment delta. `merged` (the delta added to the unsent row `seq`
 * read before) replaces that row while it is still unnumbered; if the pusher numbered it
 * meanwhile, the UPDATE changes nothing and `alone` (this delta only) is appended, so a sample is
 * never sent twice nor dropped.
 */
export function enqueueEnrolmentStatements(
  alone: OutboxEntry,
  merged: { seq: number; entry: OutboxEntry } | undefined,
): InStatement[] {
  if (!merged) return [insertStatement(alone, false)];
  const { entry } = merged;
  return [
    {
      sql: `UPDATE outbox SET priority = MIN(priority, ?), name = ?, acoustic_features = ?, total_samples = ?,
              content_hash = ?, updated_at = ?, sample_sum = ?, samples = ?
            WHERE seq = ? AND op = 'enrol' AND status = 'pending' AND mutation_id IS NULL`,
      args: [
        entry.priority,
        entry.name,
        entry.acousticFeatures,
        entry.totalSamples,
        entry.contentHash,
        entry.updatedAt,
        entry.sampleSum ?? null,
        entry.samples ?? null,
        merged.seq,
      ],
    },
    insertStatement(alone),
  ];
}
