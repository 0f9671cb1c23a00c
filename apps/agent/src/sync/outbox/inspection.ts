// What the outbox holds, for /v1/outbox, /v1/status, metrics and the CLI: counts and rows without embeddings.
import { PRIORITIES, type PriorityName } from '@voicesync/core';
import type { Store } from '../../store/index.ts';
import { OUTBOX_COLUMNS, type OutboxRow, toOutboxRow } from './rows.ts';

export interface OutboxCounts {
  pending: number;
  byPriority: Record<PriorityName, number>;
  inFlight: number;
  deadLetters: number;
  /** When the oldest pending write entered the outbox (ms since epoch); null when none waits. */
  oldestPendingAt: number | null;
}

/** Entries by state and priority, and the age of the oldest pending one. */
export async function countOutbox(store: Store): Promise<OutboxCounts> {
  const rs = await store.client.execute(
    `SELECT priority, status, mutation_id IS NOT NULL AS assigned, COUNT(*) AS n, MIN(created_at) AS oldest
       FROM outbox GROUP BY 1, 2, 3`,
  );
  const byPriority = Object.fromEntries(PRIORITIES.map((p) => [p, 0])) as Record<PriorityName, number>;
  const counts: OutboxCounts = {
    pending: 0,
    byPriority,
    inFlight: 0,
    deadLetters: 0,
    oldestPendingAt: null,
  };
  for (const row of rs.rows) {
    const n = Number(row.n);
    if (row.status === 'dead') {
      counts.deadLetters += n;
      continue;
    }
    counts.pending += n;
    const oldest = Number(row.oldest);
    counts.oldestPendingAt = Math.min(counts.oldestPendingAt ?? oldest, oldest);
    const name = PRIORITIES[Number(row.priority)];
    if (name) byPriority[name] += n;
    if (Number(row.assigned) === 1) counts.inFlight += n;
  }
  return counts;
}

/** Rows for inspection (no embedding bytes). */
export async function listOutbox(
  store: Store,
  status: 'pending' | 'dead' | 'all',
  limit: number,
): Promise<Array<Omit<OutboxRow, 'embedding' | 'sampleSum'>>> {
  const where = status === 'all' ? '' : `WHERE status = '${status}'`;
  const rs = await store.client.execute({
    sql: `SELECT ${OUTBOX_COLUMNS} FROM outbox ${where} ORDER BY priority, seq LIMIT ?`,
    args: [limit],
  });
  return rs.rows.map((r) => {
    const { embedding: _embedding, sampleSum: _sampleSum, ...rest } = toOutboxRow(r);
    return rest;
  });
}
