// Zero-setup PostgreSQL for `npm start`: PGlite (Postgres in WASM) served over the wire protocol.
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts PGlite on 127.0.0.1:port with its data in `dataDir`. `maxConnections` must cover the
 * relay's pool cap plus a migration connection: PGlite's default of 1 resets extra connections.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  port: number,
  maxConnections = 8,
): Promise<EmbeddedPostgres> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = await PGlite.create(dataDir);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections });
  await server.start();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres?sslmode=disable`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
