// A whole transaction as one simple-protocol message: the statement timeout and one statement.
import { VoicesyncError } from '@voicesync/core';
import type postgres from 'postgres';
import { emptyResults, forgetStatement, type ResultSet } from './release.ts';

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
  const query = sql.unsafe(`set local statement_timeout = ${timeout}; ${statement}`).simple();
  const answers = (await query) as unknown as ResultSet | ResultSet[];
  // postgres.js answers a message of several statements with a list of results once a second one
  // has rows: SET returns none, so the statement's rows are the last result.
  const sets =
    answers.length > 0 && Array.isArray(answers[0]) ? (answers as ResultSet[]) : [answers as ResultSet];
  const rows = [...(sets.at(-1) ?? [])] as R[];
  // The runtime keeps the finished query alive until a full collection (see forgetStatement).
  emptyResults(sets);
  forgetStatement(query);
  return rows;
}

/**
 * Any text as a literal for a one-message statement: an escape string (`E'...'`), in which only a
 * backslash and a quote mean anything, and both are escaped. Nothing in the value can end the
 * literal, whatever `standard_conforming_strings` says. UTF-8, the client encoding postgres.js
 * sets, has no multi-byte character that contains either byte. PostgreSQL text cannot hold NUL, so
 * a value with one is refused.
 */
export function textLiteral(value: string): string {
  if (value.includes('\0')) throw new VoicesyncError('internal', 'a PostgreSQL text literal cannot hold NUL');
  return `E'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/**
 * A count or a cursor (a whole number, 0 or more) as a literal for a one-message statement;
 * anything else is refused (a minus sign after another one would begin an SQL comment).
 */
export function integerLiteral(value: number): string {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new VoicesyncError('internal', `not a whole number from 0 up: ${value}`);
  }
  return String(value);
}
