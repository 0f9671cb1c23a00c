// The agent's one connection: libSQL's synchronous driver (the one @libsql/client wraps), with
// its prepared statements kept. @libsql/client prepares every statement anew and converts each
// integer through BigInt; on the outbox's batch query that tripled the cost (0.74 -> 0.24 ms).
import Database from 'libsql';

/**
 * What a statement may bind. Blobs come back as ArrayBuffer, integers as numbers (every integer the
 * agent stores, ids, counts and ms timestamps, stays far below 2^53).
 */
export type Value = null | string | number | bigint | boolean | ArrayBuffer | Uint8Array;
export type Row = Record<string, Value>;
export type InStatement = string | { sql: string; args?: readonly Value[] };
export type TransactionMode = 'write' | 'read' | 'deferred';

export interface ResultSet {
  rows: Row[];
  rowsAffected: number;
}

type Prepared = Database.Statement<unknown[]>;

const BEGIN: Record<TransactionMode, string> = {
  write: 'BEGIN IMMEDIATE',
  read: 'BEGIN DEFERRED',
  deferred: 'BEGIN DEFERRED',
};

/** Statements kept prepared; the agent issues a few dozen distinct texts, the eligibility query up to ~250. */
const CACHE_SIZE = 512;

export class Db {
  private readonly db: Database.Database;
  /** Least recently used first (a Map keeps insertion order). */
  private readonly cache = new Map<string, Prepared>();

  constructor(path: string) {
    this.db = new Database(path);
  }

  /** One statement, on its own (autocommit). Async only for the callers' sake: it runs at once. */
  async execute(statement: InStatement): Promise<ResultSet> {
    return this.run(statement);
  }

  /** Statements in one transaction: all commit or none does (the first error rolls back and throws). */
  async batch(statements: readonly InStatement[], mode: TransactionMode = 'deferred'): Promise<ResultSet[]> {
    this.run(BEGIN[mode]);
    try {
      const results = statements.map((statement) => this.run(statement));
      this.run('COMMIT');
      return results;
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  close(): void {
    this.cache.clear();
    this.db.close();
  }

  private run(statement: InStatement): ResultSet {
    const sql = typeof statement === 'string' ? statement : statement.sql;
    const args = typeof statement === 'string' ? [] : (statement.args ?? []).map(toSql);
    const prepared = this.prepared(sql);
    // Always one array: the driver takes a lone object argument (a Buffer too) for named parameters.
    if (prepared.reader) return { rows: prepared.all(args) as Row[], rowsAffected: 0 };
    return { rows: [], rowsAffected: prepared.run(args).changes };
  }

  private prepared(sql: string): Prepared {
    let prepared = this.cache.get(sql);
    if (prepared) {
      this.cache.delete(sql);
    } else {
      prepared = this.db.prepare<unknown[]>(sql);
      if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value as string);
    }
    this.cache.set(sql, prepared);
    return prepared;
  }
}

/** The driver aborts the process on a boolean: convert it; refuse what no SQL value can hold. */
function toSql(value: Value): Exclude<Value, boolean | ArrayBuffer> {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (typeof value === 'number' && !Number.isFinite(value)) throw new RangeError(`cannot store ${value}`);
  if (value === undefined) throw new TypeError('undefined is not a SQL value (use null)');
  return value;
}
