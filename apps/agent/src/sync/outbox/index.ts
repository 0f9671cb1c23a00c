// The durable priority outbox: batches by priority, stable mutation ids, acks, retries, dead letters.
import type { PerPriority, Priority } from '@voicesync/core';
import type { PushAck } from '@voicesync/schema';
import {
  type InStatement,
  type ResultSet,
  readState,
  type Store,
  writeStateStatement,
} from '../../store/index.ts';
import { pickEligible } from './eligible.ts';
import { countOutbox, listOutbox, type OutboxCounts } from './inspection.ts';
import { type LocalPosition, readLocalPosition, recordDeviceStatement } from './position.ts';
import { type OutboxRow, toOutboxRow } from './rows.ts';
import { type RefusalPolicy, refusalStatement, type Settlement, settlementOf } from './settlement.ts';
import { HIGHEST_ID_SQL, IN_FLIGHT_SQL, LAST_ACKED } from './statements.ts';

export type { OutboxCounts } from './inspection.ts';
export { type OutboxEntry, type OutboxRow, toMutation, type UnsentEnrolment } from './rows.ts';
export type { RefusalPolicy } from './settlement.ts';
export { type LocalPosition, readLocalPosition, UPSTREAM_DEVICE } from './position.ts';
export { enqueueEnrolmentStatements, enqueueStatements, LAST_ACKED, unsentEnrolment } from './statements.ts';

export type NextBatch =
  /** `numbered`: the rows got their ids just now (never sent), so they may be released again. */
  { kind: 'send'; rows: OutboxRow[]; numbered: boolean } | { kind: 'wait'; until: number } | { kind: 'idle' };

/** What changed in the outbox, for the pusher: new work to upload now or at its round. */
export type OutboxChange =
  /** A committed write entered the outbox (CRITICAL and HIGH upload at once). */
  | { kind: 'enqueued'; priority: Priority }
  /** Dead letters went back into the queue (`count` may be 0): a full round is due. */
  | { kind: 'requeued'; count: number };

export class Outbox {
  private readonly listeners: Array<(change: OutboxChange) => void> = [];

  /**
   * An acknowledgement not yet written: it rides along with the next write (usually the numbering
   * of the batch after next), saving a commit per batch. Losing it in a crash only means the rows
   * are sent again and the edge answers them as duplicates.
   */
  private unsettled: { lastMutationId: number; statements: InStatement[] } | undefined;

  private positionKnown = false;

  constructor(private readonly store: Store) {}

  /** Told after every change that gives the pusher work (the pusher subscribes; routes never wake it). */
  onChange(listener: (change: OutboxChange) => void): void {
    this.listeners.push(listener);
  }

  /**
   * The writer of an entry tells the outbox once its transaction committed: entries enter inside the
   * profile's own transaction (`enqueueStatements`), so only the writer knows when they are durable.
   */
  enqueued(priority: Priority): void {
    this.announce({ kind: 'enqueued', priority });
  }

  private announce(change: OutboxChange): void {
    for (const listener of this.listeners) listener(change);
  }

  /**
   * The next batch to upload. Rows that already carry mutation ids above `after` go first and
   * alone, with the same ids, until the edge settles them; otherwise eligible rows of the allowed
   * levels are taken highest priority first and numbered after every id ever handed out. A row
   * waits while an older row of the same speaker is in the outbox, so writes to one profile are
   * never reordered. `after` is the last id of a batch still in flight, when the next one is
   * prepared while it travels.
   */
  async nextBatch(
    now: number,
    levels: readonly Priority[],
    quotas: PerPriority,
    size: number,
    after = 0,
  ): Promise<NextBatch> {
    const db = this.store.client;
    // Rows of an acknowledgement held in memory are settled, though still in the table.
    const settled = this.unsettled?.lastMutationId ?? 0;
    const assigned = (
      await db.execute({
        // Pinned to the id index: the planner's other choice (status) reads every pending row and its
        // embedding on each batch, which made draining a backlog quadratic.
        sql: IN_FLIGHT_SQL,
        args: [Math.max(after, settled), size],
      })
    ).rows.map(toOutboxRow);
    if (assigned.length > 0) {
      const due = Math.max(...assigned.map((r) => r.nextAttemptAt));
      return due > now ? { kind: 'wait', until: due } : { kind: 'send', rows: assigned, numbered: false };
    }
    const picked = await pickEligible(this.store, now, levels, quotas, size);
    if (picked.length === 0) return { kind: 'idle' };
    const highest = (await db.execute(HIGHEST_ID_SQL)).rows[0];
    const first = Math.max(Number(highest?.acked ?? 0), settled, after, Number(highest?.numbered ?? 0)) + 1;
    picked.forEach((row, i) => {
      row.mutationId = first + i;
    });
    // One statement numbers the whole batch (json_each gives each seq its position).
    await this.write([
      {
        sql: 'UPDATE outbox SET mutation_id = ? + j.key FROM json_each(?) AS j WHERE outbox.seq = j.value',
        args: [first, JSON.stringify(picked.map((row) => row.seq))],
      },
    ]);
    return { kind: 'send', rows: picked, numbered: true };
  }

  /**
   * What the outbox holds for a speaker, for pull: `clear` (nothing), `unsent` (writes that will go
   * up with their base hash, so the edge's conflict rule decides, or dead letters), or `unsettled`
   * (a write already numbered and perhaps applied upstream, its ack not yet in).
   */
  async speakerState(speakerId: string): Promise<'clear' | 'unsent' | 'unsettled'> {
    const rs = await this.store.client.execute({
      sql: 'SELECT status, mutation_id FROM outbox WHERE speaker_id = ?',
      args: [speakerId],
    });
    // Rows of an acknowledgement held in memory are settled, though still in the table.
    const settled = this.unsettled?.lastMutationId ?? 0;
    let state: 'clear' | 'unsent' | 'unsettled' = 'clear';
    for (const row of rs.rows) {
      const id = row.mutation_id === null ? null : Number(row.mutation_id);
      if (id !== null && id <= settled) continue;
      if (row.status === 'pending' && id !== null) return 'unsettled';
      state = 'unsent';
    }
    return state;
  }

  /** When the soonest pending entry that waits out a refusal's backoff is due; undefined if none. */
  async nextDue(now: number): Promise<number | undefined> {
    const rs = await this.store.client.execute({
      sql: `SELECT MIN(next_attempt_at) AS due FROM outbox
            WHERE status = 'pending' AND mutation_id IS NULL AND next_attempt_at > ?`,
      args: [now],
    });
    const due = rs.rows[0]?.due;
    return due === null || due === undefined ? undefined : Number(due);
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

  /**
   * Settles a committed batch (see `settlementOf`). Written with the outbox's next write (or
   * `flush()`), not on its own.
   */
  acknowledge(ack: PushAck, refusal: RefusalPolicy): Omit<Settlement, 'statements'> {
    const { statements, ...counts } = settlementOf(ack, refusal);
    this.hold(ack.lastMutationId, statements);
    return counts;
  }

  /** Writes an acknowledgement still held in memory. */
  async flush(): Promise<void> {
    if (this.unsettled) await this.write([]);
  }

  /**
   * The edge's last applied id is known: rows at or below it were applied (a lost ack) and leave;
   * rows above it were never applied and lose their ids so the next batch renumbers them.
   */
  async settleUpTo(lastMutationId: number): Promise<number> {
    const results = await this.write([
      { sql: 'DELETE FROM outbox WHERE mutation_id <= ?', args: [lastMutationId] },
      { sql: 'UPDATE outbox SET mutation_id = NULL WHERE mutation_id > ?', args: [lastMutationId] },
      writeStateStatement(LAST_ACKED, String(lastMutationId)),
    ]);
    return results[0]?.rowsAffected ?? 0;
  }

  /** Takes back ids numbered after `after` that were never sent (backpressure began meanwhile). */
  async release(after: number): Promise<void> {
    await this.write([{ sql: 'UPDATE outbox SET mutation_id = NULL WHERE mutation_id > ?', args: [after] }]);
  }

  /**
   * The edge refused this row on its own (a poison mutation): it spends one attempt, loses its id
   * and waits until `nextAttemptAt`; past the budget it becomes a dead letter. Returns whether it did.
   * Outages never come here: they leave rows untouched.
   */
  async refuse(row: OutboxRow, reason: string, refusal: Omit<RefusalPolicy, 'attempts'>): Promise<boolean> {
    await this.write([refusalStatement('seq', row.seq, reason, refusal)]);
    return row.attempts + 1 >= refusal.maxAttempts;
  }

  /** Puts dead letters back in the queue with a fresh retry budget. */
  async retryDead(): Promise<number> {
    const [rs] = await this.write([
      `UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = 0 WHERE status = 'dead'`,
    ]);
    const count = rs?.rowsAffected ?? 0;
    this.announce({ kind: 'requeued', count });
    return count;
  }

  /**
   * A fresh database must learn the device's last applied id before it numbers anything: a
   * reinstalled device reusing its credential would otherwise reuse ids the edge takes for replays.
   */
  async knowsUpstreamPosition(): Promise<boolean> {
    // Once known it stays known: the state row is only ever overwritten, never deleted.
    this.positionKnown ||= (await readState(this.store, LAST_ACKED)) !== undefined;
    return this.positionKnown;
  }

  /** The device's position upstream, learned by the handshake, and the device it belongs to. */
  async setUpstreamPosition(lastMutationId: number, deviceId?: string): Promise<void> {
    await this.write([
      writeStateStatement(LAST_ACKED, String(lastMutationId)),
      ...(deviceId === undefined ? [] : [recordDeviceStatement(deviceId)]),
    ]);
  }

  /** Records the device of sync state written before the device was recorded. */
  async recordDevice(deviceId: string): Promise<void> {
    await this.write([recordDeviceStatement(deviceId)]);
  }

  /** The device and last acknowledged id the local sync state was built with. */
  localPosition(): Promise<LocalPosition> {
    return readLocalPosition(this.store);
  }

  async lastAcknowledged(): Promise<number> {
    return Number((await readState(this.store, LAST_ACKED)) ?? 0);
  }

  /**
   * Every outbox write goes through here: an acknowledgement held in memory is written first, in
   * the same transaction. Returns the result sets of `statements` only.
   */
  private async write(statements: InStatement[]): Promise<ResultSet[]> {
    // Taken before the await: an acknowledgement recorded meanwhile waits for the next write.
    const held = this.unsettled;
    this.unsettled = undefined;
    const before = held?.statements ?? [];
    try {
      const results = await this.store.client.batch([...before, ...statements], 'write');
      return results.slice(before.length);
    } catch (error) {
      if (held) this.hold(held.lastMutationId, held.statements, true);
      throw error;
    }
  }

  /** Adds settlement statements to those held in memory (`first`: ahead of them, as they came first). */
  private hold(lastMutationId: number, statements: InStatement[], first = false): void {
    const previous = this.unsettled;
    this.unsettled = {
      lastMutationId: Math.max(previous?.lastMutationId ?? 0, lastMutationId),
      statements: first
        ? [...statements, ...(previous?.statements ?? [])]
        : [...(previous?.statements ?? []), ...statements],
    };
  }

  counts(): Promise<OutboxCounts> {
    return countOutbox(this.store);
  }

  /** Rows for inspection (no embedding bytes). */
  list(status: 'pending' | 'dead' | 'all', limit: number): ReturnType<typeof listOutbox> {
    return listOutbox(this.store, status, limit);
  }
}
