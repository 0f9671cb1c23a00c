// The durable priority outbox: batches by priority, stable mutation ids, acks, retries, dead letters.
import type { InStatement } from '@libsql/client';
import { type Priority, PRIORITIES, type PriorityName } from '@voicesync/core';
import type { PushAck } from '@voicesync/schema';
import { readState, type Store, writeStateStatement } from '../store/index.ts';
import { OUTBOX_COLUMNS, type OutboxEntry, type OutboxRow, toOutboxRow } from './rows.ts';

export { type OutboxEntry, type OutboxRow, toMutation } from './rows.ts';

export type NextBatch =
  | { kind: 'send'; rows: OutboxRow[] }
  | { kind: 'wait'; until: number }
  | { kind: 'idle' };

export interface OutboxCounts {
  pending: number;
  byPriority: Record<PriorityName, number>;
  inFlight: number;
  deadLetters: number;
}

const LAST_ACKED = 'last_mutation_id';

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

export class Outbox {
  constructor(private readonly store: Store) {}

  /**
   * The next batch to upload. Rows that already carry mutation ids go first and alone, with the
   * same ids, until the edge settles them; otherwise eligible rows of the allowed levels are taken
   * highest priority first and numbered after every id ever handed out. A row waits while an older
   * row of the same speaker is unsettled, so writes to one profile are never reordered.
   */
  async nextBatch(
    now: number,
    levels: readonly Priority[],
    quotas: Record<number, number>,
    size: number,
  ): Promise<NextBatch> {
    const db = this.store.client;
    const assigned = (
      await db.execute({
        // Pinned to the id index: the planner's other choice (status) reads every pending row and its
        // embedding on each batch, which made draining a backlog quadratic.
        sql: `SELECT ${OUTBOX_COLUMNS} FROM outbox INDEXED BY outbox_mutation
              WHERE status = 'pending' AND mutation_id IS NOT NULL ORDER BY mutation_id LIMIT ?`,
        args: [size],
      })
    ).rows.map(toOutboxRow);
    if (assigned.length > 0) {
      const due = Math.max(...assigned.map((r) => r.nextAttemptAt));
      return due > now ? { kind: 'wait', until: due } : { kind: 'send', rows: assigned };
    }
    const picked: OutboxRow[] = [];
    for (const level of levels) {
      const take = Math.min(quotas[level] ?? 0, size - picked.length);
      if (take <= 0) continue;
      const rs = await db.execute({
        sql: `SELECT ${OUTBOX_COLUMNS} FROM outbox o WHERE status = 'pending' AND mutation_id IS NULL AND priority = ?
                AND next_attempt_at <= ?
                AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.speaker_id = o.speaker_id AND p.seq < o.seq)
              ORDER BY seq LIMIT ?`,
        args: [level, now, take],
      });
      picked.push(...rs.rows.map(toOutboxRow));
    }
    if (picked.length === 0) return { kind: 'idle' };
    const maxRs = await db.execute('SELECT MAX(mutation_id) AS m FROM outbox');
    let next = Math.max(await this.lastAcknowledged(), Number(maxRs.rows[0]?.m ?? 0)) + 1;
    for (const row of picked) row.mutationId = next++;
    await db.batch(
      picked.map((row) => ({
        sql: 'UPDATE outbox SET mutation_id = ? WHERE seq = ?',
        args: [row.mutationId, row.seq],
      })),
      'write',
    );
    return { kind: 'send', rows: picked };
  }

  /** Whether any of these levels has an entry that could join a batch now. */
  async hasEligible(levels: readonly Priority[], now: number): Promise<boolean> {
    if (levels.length === 0) return false;
    const rs = await this.store.client.execute({
      sql: `SELECT 1 FROM outbox WHERE status = 'pending' AND mutation_id IS NULL AND next_attempt_at <= ?
              AND priority IN (${levels.map(() => '?').join(', ')}) LIMIT 1`,
      args: [now, ...levels],
    });
    return rs.rows.length > 0;
  }

  /** Settles a committed batch: applied, duplicate and conflict rows leave; rejected ones become dead letters. */
  async acknowledge(ack: PushAck): Promise<{ settled: number; rejected: number }> {
    const statements: InStatement[] = [];
    let rejected = 0;
    for (const result of ack.results) {
      if (result.status !== 'rejected') continue;
      rejected += 1;
      statements.push({
        sql: `UPDATE outbox SET status = 'dead', mutation_id = NULL, last_error = ? WHERE mutation_id = ?`,
        args: [`rejected by edge: ${result.reason ?? 'invalid'}`, result.mutationId],
      });
    }
    const settled = await this.settleUpTo(ack.lastMutationId, statements);
    return { settled, rejected };
  }

  /**
   * The edge's last applied id is known: rows at or below it were applied (a lost ack) and leave;
   * rows above it were never applied and lose their ids so the next batch renumbers them.
   */
  async settleUpTo(lastMutationId: number, before: InStatement[] = []): Promise<number> {
    const results = await this.store.client.batch(
      [
        ...before,
        { sql: 'DELETE FROM outbox WHERE mutation_id <= ?', args: [lastMutationId] },
        { sql: 'UPDATE outbox SET mutation_id = NULL WHERE mutation_id > ?', args: [lastMutationId] },
        writeStateStatement(LAST_ACKED, String(lastMutationId)),
      ],
      'write',
    );
    return results[before.length]?.rowsAffected ?? 0;
  }

  /** A failed upload: count the attempt, back off, and turn rows past the budget into dead letters. */
  async recordFailure(
    rows: OutboxRow[],
    error: string,
    nextAttemptAt: number,
    maxAttempts: number,
  ): Promise<number> {
    let dead = 0;
    const statements = rows.map((row) => {
      const attempts = row.attempts + 1;
      const status = attempts >= maxAttempts ? 'dead' : 'pending';
      if (status === 'dead') dead += 1;
      return {
        sql: 'UPDATE outbox SET attempts = ?, next_attempt_at = ?, status = ?, last_error = ? WHERE seq = ?',
        args: [attempts, nextAttemptAt, status, error.slice(0, 500), row.seq],
      };
    });
    await this.store.client.batch(statements, 'write');
    return dead;
  }

  /** A row the edge refused as invalid on its own: a dead letter at once, its id released. */
  async reject(row: OutboxRow, reason: string): Promise<void> {
    await this.store.client.execute({
      sql: `UPDATE outbox SET status = 'dead', mutation_id = NULL, last_error = ? WHERE seq = ?`,
      args: [reason.slice(0, 500), row.seq],
    });
  }

  /** Puts dead letters back in the queue with a fresh retry budget. */
  async retryDead(): Promise<number> {
    const rs = await this.store.client.execute(
      `UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = 0 WHERE status = 'dead'`,
    );
    return rs.rowsAffected;
  }

  /**
   * A fresh database must learn the device's last applied id before it numbers anything: a
   * reinstalled device reusing its credential would otherwise reuse ids the edge takes for replays.
   */
  async knowsUpstreamPosition(): Promise<boolean> {
    return (await readState(this.store, LAST_ACKED)) !== undefined;
  }

  async setUpstreamPosition(lastMutationId: number): Promise<void> {
    await this.store.client.execute(writeStateStatement(LAST_ACKED, String(lastMutationId)));
  }

  async lastAcknowledged(): Promise<number> {
    return Number((await readState(this.store, LAST_ACKED)) ?? 0);
  }

  async counts(): Promise<OutboxCounts> {
    const rs = await this.store.client.execute(
      `SELECT priority, status, mutation_id IS NOT NULL AS assigned, COUNT(*) AS n FROM outbox GROUP BY 1, 2, 3`,
    );
    const byPriority = Object.fromEntries(PRIORITIES.map((p) => [p, 0])) as Record<PriorityName, number>;
    const counts: OutboxCounts = { pending: 0, byPriority, inFlight: 0, deadLetters: 0 };
    for (const row of rs.rows) {
      const n = Number(row.n);
      if (row.status === 'dead') {
        counts.deadLetters += n;
        continue;
      }
      counts.pending += n;
      const name = PRIORITIES[Number(row.priority)];
      if (name) byPriority[name] += n;
      if (Number(row.assigned) === 1) counts.inFlight += n;
    }
    return counts;
  }

  /** Rows for inspection (no embedding bytes). */
  async list(
    status: 'pending' | 'dead' | 'all',
    limit: number,
  ): Promise<Array<Omit<OutboxRow, 'embedding'>>> {
    const where = status === 'all' ? '' : `WHERE status = '${status}'`;
    const rs = await this.store.client.execute({
      sql: `SELECT ${OUTBOX_COLUMNS} FROM outbox ${where} ORDER BY priority, seq LIMIT ?`,
      args: [limit],
    });
    return rs.rows.map((r) => {
      const { embedding: _embedding, ...rest } = toOutboxRow(r);
      return rest;
    });
  }
}
