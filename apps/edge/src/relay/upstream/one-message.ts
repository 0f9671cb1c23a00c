// A whole transaction as one simple-protocol message: the statement timeout and one statement.
import type postgres from 'postgres';

/**
 * Runs `statement` (SQL text without parameters: its values are literals in it) in a transaction
 * of its own and answers its rows. PostgreSQL runs the statements of one simple-protocol message
 * as one implicit transaction: `SET LOCAL` holds for it alone, and PostgreSQL arms
 * `statement_timeout` per statement, so the timeout bounds the statement that follows. One
 * message and one answer on the wire, one query for postgres.js to build and parse, where a
 * pipelined transaction sends four (BEGIN and COMMIT included).
 *
 * One message needs no reserved connection: nothing can run between its statements on any
 * connection, so `sql` is used as it is (postgres.js's `reserve()` built a new `Sql` per call).
 * When the statement fails, PostgreSQL rolls the implicit transaction back by itself before it
 * answers, so the connection is in step for the next one; after a connection error the caller's
 * pool discards the client.
 */
export async function oneMessageTransaction<R extends object>(
  sql: postgres.Sql,
  statementTimeoutMs: number,
  statement: string,
): Promise<R[]> {
  const timeout = Math.trunc(statementTimeoutMs);
  const answers = (await sql
    .unsafe(`set local statement_timeout = ${timeout}; ${statement}`)
    .simple()) as unknown as postgres.RowList<postgres.Row[]>[];
  // postgres.js answers a message of several statements with a list of results once a second one
  // has rows: SET returns none, so the statement's rows are the last result.
  const sets = answers.length > 0 && Array.isArray(answers[0]) ? answers : [answers];
  return (sets.at(-1) ?? []) as unknown as R[];
}
