// postgres.js clients for the pool: one connection each, so the pool's cap is the connection cap.
import postgres from 'postgres';
import type { ClientFactory } from './types.ts';

export type Sql = postgres.Sql;

export interface PostgresClientOptions {
  idleTimeoutMs: number;
  connectTimeoutMs: number;
}

/**
 * A client's property counting how often its connection closed. postgres.js does not reject a
 * statement issued on a reserved connection that closed while idle (it writes to the dead socket
 * and throws a TypeError in a timer), so the pipelined transaction checks this before each one.
 */
export const CONNECTION_CLOSES = 'voicesyncConnectionCloses';

/** Shown in pg_stat_activity, so operators (and tests) can count the Relay's connections. */
export const APPLICATION_NAME = 'voicesync-relay';

function isTemplateCall(args: unknown[]): boolean {
  const first = args[0] as { raw?: unknown } | undefined;
  return Array.isArray(first) && Array.isArray(first.raw);
}

/**
 * Reports each statement sent through `sql` (a tagged-template query, `unsafe`, and the begin and
 * commit of `begin`) to `query`. postgres.js's own per-query hook, `debug`, also makes it capture
 * a stack trace for every query: measurable CPU in the Relay, which sends several per push.
 */
function counting<S extends postgres.Sql | postgres.TransactionSql | postgres.ReservedSql>(
  sql: S,
  query: () => void,
  closes: () => number = () => 0,
): S {
  return new Proxy(sql, {
    apply(target, self, args: unknown[]) {
      if (isTemplateCall(args)) query();
      return Reflect.apply(target as (...a: unknown[]) => unknown, self, args);
    },
    get(target, key, receiver) {
      if (key === CONNECTION_CLOSES) return closes();
      const value: unknown = Reflect.get(target, key, receiver);
      if (key === 'unsafe' && typeof value === 'function') {
        return (...args: unknown[]) => {
          query();
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      if (key === 'reserve' && typeof value === 'function') {
        // The Relay's transactions run on a reserved connection: its statements count too.
        return async () => counting(await (value as () => Promise<postgres.ReservedSql>).call(target), query);
      }
      if (key === 'begin' && typeof value === 'function') {
        return (...args: unknown[]) => {
          const work = args.pop() as (tx: postgres.TransactionSql) => unknown;
          query(); // begin
          const wrapped = async (tx: postgres.TransactionSql) => {
            const result = await work(counting(tx, query));
            query(); // commit
            return result;
          };
          return (value as (...a: unknown[]) => unknown).apply(target, [...args, wrapped]);
        };
      }
      return value;
    },
  });
}

/**
 * Slot 0 never idles out (the pool's minimum of one warm connection); the others close after
 * `idleTimeoutMs` without work and reconnect lazily. `fetch_types` stays on: without the array
 * type table postgres.js serialises `text[]` parameters as `a,b,c` (22P02).
 */
export function postgresClients(url: string, options: PostgresClientOptions): ClientFactory<Sql> {
  return {
    create(slot, events) {
      let closes = 0;
      const sql = postgres(url, {
        max: 1,
        idle_timeout: slot === 0 ? 0 : Math.ceil(options.idleTimeoutMs / 1000),
        connect_timeout: Math.ceil(options.connectTimeoutMs / 1000),
        // The pool recycles by query count; postgres.js's own 30-60 min lifetime would only add churn.
        max_lifetime: null,
        connection: { application_name: APPLICATION_NAME },
        onnotice: () => {},
        onclose: () => {
          closes += 1;
          events.closed();
        },
      });
      return counting(
        sql,
        () => events.query(),
        () => closes,
      );
    },
    destroy: (sql) => sql.end({ timeout: 0 }),
  };
}
