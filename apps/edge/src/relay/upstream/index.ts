// The Relay's only road to PostgreSQL: the breaker in front of the pool, one bounded transaction per call.
import { type CircuitBreaker, type Clock, VoicesyncError } from '@voicesync/core';
import type { RelayConfig } from '../../config/index.ts';
import { type ClientFactory, Pool, type PoolSnapshot, postgresClients, type Sql } from '../pool/index.ts';
import {
  countsAsFailure,
  isConnectionError,
  isStatementError,
  statementError,
  upstreamError,
} from './errors.ts';

import { FailureStreak } from './failure-streak.ts';
import { oneMessageTransaction } from './one-message.ts';
import { pipelinedTransaction, type Tx } from './pipelined.ts';

export * from './breaker-store.ts';
export { integerLiteral, textLiteral } from './one-message.ts';
export { type Tx, TransactionAborted } from './pipelined.ts';
export { emptyResults } from './release.ts';

/** A failure streak older than this opens the breaker (under the 1 s every shard must meet). */
export const FAILURE_STREAK_MS = 600;

export interface BreakerStatus {
  state: CircuitBreaker['state'];
  retryAfterMs: number;
}

/**
 * @example
 * const upstream = new Upstream(url, config.pool, breaker, systemClock);
 * const rows = await upstream.transaction((tx) => tx`select 1`);
 */
export class Upstream {
  private readonly pool: Pool<Sql> | undefined;
  private readonly streak: FailureStreak;

  constructor(
    connectionString: string | undefined,
    private readonly config: RelayConfig['pool'],
    readonly breaker: CircuitBreaker,
    clock: Clock,
    clients: (url: string) => ClientFactory<Sql> = (url) => postgresClients(url, config),
  ) {
    this.streak = new FailureStreak(breaker, FAILURE_STREAK_MS);
    this.pool = connectionString
      ? new Pool(
          clients(connectionString),
          {
            max: config.max,
            acquireTimeoutMs: config.acquireTimeoutMs,
            maxQueriesPerConnection: config.maxQueriesPerConnection,
            workTimeoutMs: config.statementTimeoutMs + config.connectTimeoutMs,
          },
          clock,
        )
      : undefined;
  }

  /**
   * Runs `work` in one transaction whose statements are bounded by the statement timeout; BEGIN and
   * the timeout travel with its first statements, and `tx.commitWith` lets it pipeline the COMMIT
   * (see pipelinedTransaction).
   */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.run((sql) => pipelinedTransaction(sql, this.config.statementTimeoutMs, work));
  }

  /**
   * Runs one parameterless statement in a transaction of its own, sent with the statement
   * timeout as one message (see oneMessageTransaction); answers its rows.
   */
  oneMessage<R extends object>(statement: string): Promise<R[]> {
    return this.run((sql) => oneMessageTransaction<R>(sql, this.config.statementTimeoutMs, statement));
  }

  private async run<T>(transaction: (sql: Sql) => Promise<T>): Promise<T> {
    if (!this.pool) {
      throw new VoicesyncError('no_database', 'no database configured: set DATABASE_URL or bind HYPERDRIVE');
    }
    if (this.breaker.state === 'OPEN') throw this.unavailable();
    // The breaker is asked only once a connection is ours: a pool_timeout must not strand a half-open probe.
    let admitted = false;
    try {
      const value = await this.pool.run(async (sql) => {
        if (!this.breaker.tryAcquire()) throw this.unavailable();
        admitted = true;
        return transaction(sql);
      }, isConnectionError);
      this.succeeded();
      return value;
    } catch (error) {
      if (!admitted) throw error;
      if (countsAsFailure(error)) {
        this.breaker.onFailure();
        this.streak.failed();
        throw upstreamError(error);
      }
      // Our own refusals (a mutation gap, a revoked device) and refused statements mean PostgreSQL answered.
      this.succeeded();
      throw isStatementError(error) ? statementError(error) : error;
    }
  }

  breakerStatus(): BreakerStatus {
    return { state: this.breaker.state, retryAfterMs: this.breaker.retryAfterMs() };
  }

  /** Pool load for push acks: agents defer low priorities above 0.8. */
  load(): number {
    return this.pool?.load ?? 0;
  }

  poolSnapshot(): PoolSnapshot | null {
    return this.pool?.snapshot() ?? null;
  }

  private succeeded(): void {
    this.breaker.onSuccess();
    this.streak.succeeded();
  }

  private unavailable(): VoicesyncError {
    return new VoicesyncError('upstream_unavailable', 'PostgreSQL is unavailable; the circuit is open', {
      details: { retryAfterMs: this.breaker.retryAfterMs() },
    });
  }
}
