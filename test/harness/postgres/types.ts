// The public shapes of the Postgres harness: what startPostgres accepts and returns.

export type PostgresSetting = string | number | boolean;

export interface StartPostgresOptions {
  /** `auto` (default): real PostgreSQL when binaries exist, else PGlite. */
  engine?: 'auto' | 'postgres' | 'pglite';
  /** TCP port on 127.0.0.1; default a free one. The same port is reused by `start()`. */
  port?: number;
  /** Server `max_connections` (PGlite: the socket server's connection cap). Default 100. */
  maxConnections?: number;
  /** Extra `postgresql.conf` settings, applied over the harness defaults (fsync=off, ...). */
  settings?: Record<string, PostgresSetting>;
  /** Apply `migratePostgres` from packages/schema after the first start. Default true. */
  migrate?: boolean;
  /** How long to wait for the server to accept queries. Default 30 000 ms. */
  readyTimeoutMs?: number;
}

export interface PostgresHandle {
  /** `postgres://postgres@127.0.0.1:PORT/voicesync` (trust auth, no password). */
  readonly url: string;
  /** Same server, maintenance database `postgres` (for CREATE DATABASE and the like). */
  readonly adminUrl: string;
  readonly port: number;
  /** True when running on PGlite because no PostgreSQL binaries were found. */
  readonly isFallback: boolean;
  /** The server log (real PostgreSQL only). */
  readonly logPath: string | undefined;
  /** Graceful stop, as `pg_ctl stop -m fast`: aborts transactions, closes connections. */
  stop(): Promise<void>;
  /** SIGKILL the postmaster and all its backends, like a crash; data survives (WAL recovery). */
  kill(): Promise<void>;
  /** Starts again on the same port and data directory; no-op when running. */
  start(): Promise<void>;
  /** `stop()` then `start()`. */
  restart(): Promise<void>;
  /** Stops the server and deletes its directory. The handle is unusable afterwards. */
  destroy(): Promise<void>;
}

export const databaseName = 'voicesync';

/** The connection URL for one database of a harness server on `port`. */
export function serverUrl(port: number, database: string = databaseName): string {
  return `postgres://postgres@127.0.0.1:${port}/${database}`;
}
