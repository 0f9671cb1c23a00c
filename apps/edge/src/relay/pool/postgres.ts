// postgres.js clients for the pool: one connection each, so the pool's cap is the connection cap.
import postgres from 'postgres';
import type { ClientFactory } from './types.ts';

export type Sql = postgres.Sql;

export interface PostgresClientOptions {
  idleTimeoutMs: number;
  connectTimeoutMs: number;
}

/** Shown in pg_stat_activity, so operators (and tests) can count the Relay's connections. */
export const APPLICATION_NAME = 'voicesync-relay';

/**
 * Slot 0 never idles out (the pool's minimum of one warm connection); the others close after
 * `idleTimeoutMs` without work and reconnect lazily. `fetch_types` stays on: without the array
 * type table postgres.js serialises `text[]` parameters as `a,b,c` (22P02).
 */
export function postgresClients(url: string, options: PostgresClientOptions): ClientFactory<Sql> {
  return {
    create(slot, events) {
      return postgres(url, {
        max: 1,
        idle_timeout: slot === 0 ? 0 : Math.ceil(options.idleTimeoutMs / 1000),
        connect_timeout: Math.ceil(options.connectTimeoutMs / 1000),
        // The pool recycles by query count; postgres.js's own 30-60 min lifetime would only add churn.
        max_lifetime: null,
        connection: { application_name: APPLICATION_NAME },
        onnotice: () => {},
        onclose: () => events.closed(),
        // Called once per statement sent: the only per-connection query count postgres.js offers.
        debug: () => events.query(),
      });
    },
    destroy: (sql) => sql.end({ timeout: 0 }),
  };
}
