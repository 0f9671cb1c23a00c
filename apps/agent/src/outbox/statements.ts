// The outbox's SQL: how a write enters it, and the queries that find the next batch.
import type { InStatement } from '../store/index.ts';
import { OUTBOX_COLUMNS, type OutboxEntry } from './rows.ts';

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
 * Statements that enqueue a write inside the caller's transaction. A pending write of the same
 * speaker that has no mutation id yet is coalesced (newest content, highest priority, oldest base
 * hash and position); otherwise a new row is appended.
 */
export function enqueueStatements(entry: OutboxEntry): InStatement[] {
  // The same columns in the same order for both statements; the base hash is set only on insert.
  const content = [
    entry.op,
    entry.priority,
    entry.name,
    entry.embedding,
    entry.acousticFeatures,
    entry.totalSamples,
    entry.contentHash,
    entry.updatedAt,
  ];
  return [
    {
      sql: `UPDATE outbox SET op = ?, priority = MIN(priority, ?), name = ?, embedding = ?, acoustic_features = ?,
              total_samples = ?, content_hash = ?, updated_at = ?
            WHERE speaker_id = ? AND status = 'pending' AND mutation_id IS NULL`,
      args: [...content, entry.speakerId],
    },
    {
      sql: `INSERT INTO outbox (op, priority, name, embedding, acoustic_features, total_samples, content_hash,
              updated_at, speaker_id, base_hash)
            SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE changes() = 0`,
      args: [...content, entry.speakerId, entry.baseHash],
    },
  ];
}
