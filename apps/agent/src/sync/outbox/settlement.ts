// What the edge's answers do to outbox rows: acknowledged rows leave, refused ones spend an attempt.
import type { PushAck } from '@voicesync/schema';
import { type InStatement, writeStateStatement } from '../../store/index.ts';
import { LAST_ACKED } from './statements.ts';

/** What one refusal of a mutation costs it: an attempt, a wait, and the budget that makes it a dead letter. */
export interface RefusalPolicy {
  maxAttempts: number;
  nextAttemptAt: number;
  /** Attempts already spent, by mutation id (rows of the refused batch). */
  attempts: ReadonlyMap<number, number>;
}

export function refusalStatement(
  key: 'seq' | 'mutation_id',
  value: number,
  reason: string,
  refusal: Omit<RefusalPolicy, 'attempts'>,
): InStatement {
  return {
    sql: `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, mutation_id = NULL, last_error = ?,
            status = CASE WHEN attempts + 1 >= ? THEN 'dead' ELSE 'pending' END
          WHERE ${key} = ?`,
    args: [refusal.nextAttemptAt, reason.slice(0, 500), refusal.maxAttempts, value],
  };
}

export interface Settlement {
  statements: InStatement[];
  settled: number;
  rejected: number;
  dead: number;
}

/**
 * The statements that settle a committed batch: applied, duplicate and conflict rows leave; a row
 * the edge rejected spends one attempt, loses its id and waits (a dead letter once
 * `refusal.maxAttempts` is spent).
 */
export function settlementOf(ack: PushAck, refusal: RefusalPolicy): Settlement {
  const statements: InStatement[] = [];
  let rejected = 0;
  let dead = 0;
  for (const result of ack.results) {
    if (result.status !== 'rejected') continue;
    rejected += 1;
    if ((refusal.attempts.get(result.mutationId) ?? 0) + 1 >= refusal.maxAttempts) dead += 1;
    statements.push(
      refusalStatement(
        'mutation_id',
        result.mutationId,
        `rejected by edge: ${result.reason ?? 'invalid'}`,
        refusal,
      ),
    );
  }
  statements.push(
    { sql: 'DELETE FROM outbox WHERE mutation_id <= ?', args: [ack.lastMutationId] },
    writeStateStatement(LAST_ACKED, String(ack.lastMutationId)),
  );
  return { statements, settled: ack.results.length - rejected, rejected, dead };
}
