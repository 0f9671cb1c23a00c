// A transaction whose BEGIN and COMMIT travel with the statements beside them: fewer round trips per request.
import type postgres from 'postgres';
import { CONNECTION_CLOSES } from '../pool/postgres.ts';
import { isConnectionError } from './errors.ts';
import { forgetStatement } from './release.ts';

/** The statements of one transaction; `commitWith` ends it early, pipelined behind its last statement. */
export type Tx = postgres.Sql & {
  /**
   * Sends COMMIT right behind `last` (already issued, not yet answered) and resolves with its value
   * once both are answered. When `last` fails, PostgreSQL ends the aborted transaction with that
   * COMMIT as a rollback and `last`'s error is thrown: nothing of it is kept.
   */
  commitWith<R>(last: Promise<R>): Promise<R>;
};

/** Thrown at a statement issued after another one of its transaction failed: it is never sent. */
export class TransactionAborted extends Error {
  override readonly name = 'TransactionAborted';
}

/** The reserved connection closed while idle between two statements: nothing more is sent. */
export class ConnectionClosed extends Error {
  override readonly name = 'ConnectionClosed';
}

function isTemplateCall(args: unknown[]): boolean {
  const first = args[0] as { raw?: unknown } | undefined;
  return Array.isArray(first) && Array.isArray(first.raw);
}

/**
 * Runs `work` in one transaction on a reserved connection of `sql`. postgres.js's `begin` waits for
 * BEGIN before the work's first statement and sends COMMIT only after the work resolved: two round
 * trips that carry nothing. Here BEGIN and the `statement_timeout` (SET LOCAL, the form that works
 * through Hyperdrive) are one simple-protocol message pipelined ahead of the work's first statements,
 * and `commitWith` pipelines COMMIT behind its last one. A push is two round trips, not four.
 *
 * Once a statement fails, nothing more is sent on the connection but ROLLBACK; after a connection
 * error not even that (the caller's pool discards the client). So a statement can never run outside
 * the transaction, e.g. on a socket postgres.js reopened.
 */
export async function pipelinedTransaction<T>(
  sql: postgres.Sql,
  statementTimeoutMs: number,
  work: (tx: Tx) => Promise<T>,
): Promise<T> {
  const reserved = await sql.reserve();
  const closes = () => (sql as unknown as Record<string, number | undefined>)[CONNECTION_CLOSES] ?? 0;
  const closedBefore = closes();
  let failure: unknown = null;
  let committed: Promise<unknown> | null = null;
  // Every statement of the transaction passes here. Once settled, the query lets go of its text
  // and arguments (the runtime keeps it alive until a full collection, see forgetStatement); its
  // rows stay, as the work may hand them on.
  const watch = <Q extends Promise<unknown>>(query: Q): Q => {
    query.then(
      () => forgetStatement(query),
      (error: unknown) => {
        failure ??= error;
        forgetStatement(query);
      },
    );
    return query;
  };
  const tx = new Proxy(reserved, {
    apply(target, self, args: unknown[]) {
      if (!isTemplateCall(args)) return Reflect.apply(target, self, args);
      if (failure !== null || committed) {
        return Promise.reject(new TransactionAborted('the transaction has already ended'));
      }
      if (closes() !== closedBefore) {
        failure = new ConnectionClosed('the connection closed in the middle of the transaction');
        return Promise.reject(failure);
      }
      return watch(Reflect.apply(target, self, args) as Promise<unknown>);
    },
    get(target, key, receiver) {
      if (key === 'commitWith') return commitWith;
      return Reflect.get(target, key, receiver);
    },
  }) as unknown as Tx;
  async function commitWith<R>(last: Promise<R>): Promise<R> {
    if (failure === null && closes() !== closedBefore)
      failure = new ConnectionClosed('the connection closed');
    if (failure === null) committed ??= watch(reserved`commit`);
    const [value] = await Promise.all([last, committed]);
    // A statement failed though the work went on: PostgreSQL made that COMMIT a rollback.
    if (failure !== null) throw failure;
    return value;
  }

  const timeout = Math.trunc(statementTimeoutMs);
  const begun = watch(
    reserved.unsafe(`begin; select set_config('statement_timeout', '${timeout}', true)`).simple(),
  );
  try {
    const [, value] = await Promise.all([begun, work(tx)]);
    await commitWith(Promise.resolve());
    reserved.release();
    return value;
  } catch (error) {
    await rollback(reserved, failure, committed !== null);
    // The statement that failed first, not what the work made of it: a lost connection is what
    // the pool must see, and a refused statement is the news, not the TransactionAborted after it.
    throw failure !== null && (error instanceof TransactionAborted || !isServerAnswer(failure))
      ? failure
      : error;
  }
}

/**
 * Ends a failed transaction so the connection can serve the next one. `failed` is the first
 * statement that failed (null: the work itself threw, e.g. a mutation gap). A COMMIT already sent
 * has ended the transaction (as a rollback once a statement failed). After a connection error the
 * connection stays reserved and the caller's pool discards the whole client; so does a ROLLBACK
 * that fails, whose error is then the one thrown.
 */
async function rollback(reserved: postgres.ReservedSql, failed: unknown, ended: boolean): Promise<void> {
  if (!isServerAnswer(failed)) return;
  if (!ended) await reserved`rollback`;
  reserved.release();
}

/** No statement failed, or PostgreSQL refused one and kept the session: the connection is in step. */
function isServerAnswer(failed: unknown): boolean {
  return failed === null || !isConnectionError(failed);
}
