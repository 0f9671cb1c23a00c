// A whole transaction as one simple-protocol message: BEGIN, the statement timeout, one statement, COMMIT.
import type postgres from 'postgres';
import { isConnectionError } from './errors.ts';

/**
 * Runs `statement` (SQL text without parameters: its values are literals in it) in a transaction
 * of its own and answers its rows. One message and one answer on the wire, one query for
 * postgres.js to build and parse, where a pipelined transaction sends three. The timeout is armed
 * before the statement runs: PostgreSQL arms `statement_timeout` per statement of a message.
 *
 * When the statement fails, PostgreSQL skips the COMMIT and the transaction is aborted: ROLLBACK
 * ends it and the connection serves the next one. After a connection error nothing more is sent
 * and the connection stays reserved: the caller's pool discards the whole client.
 */
export async function oneMessageTransaction<R extends object>(
  sql: postgres.Sql,
  statementTimeoutMs: number,
  statement: string,
): Promise<R[]> {
  const reserved = await sql.reserve();
  const timeout = Math.trunc(statementTimeoutMs);
  let answers: postgres.RowList<postgres.Row[]>[];
  try {
    answers = (await reserved
      .unsafe(`begin; set local statement_timeout = ${timeout}; ${statement}; commit`)
      .simple()) as unknown as postgres.RowList<postgres.Row[]>[];
  } catch (error) {
    if (isConnectionError(error)) throw error;
    // A no-op with a warning when the COMMIT itself was what failed (it ended the transaction).
    await reserved`rollback`;
    reserved.release();
    throw error;
  }
  reserved.release();
  // postgres.js answers a message of several statements with a list of results once a second one
  // has rows: BEGIN and SET return none, so the statement's rows are the last (COMMIT only renames it).
  const sets = answers.length > 0 && Array.isArray(answers[0]) ? answers : [answers];
  return (sets.at(-1) ?? []) as unknown as R[];
}
