// Zero-setup PostgreSQL for `npm start`: PGlite (Postgres in WASM) served over the wire protocol, behind a password.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { readSecretFile } from '../../../config/index.ts';
import { writeSecretFile } from './secret-file.ts';
import { startPasswordGate } from './password-gate.ts';

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

/** The state dir's PostgreSQL password, generated on first use and kept 0600 beside the data. */
export function embeddedPostgresPassword(stateDir: string): string {
  const path = join(stateDir, 'pg-password');
  if (existsSync(path)) return readSecretFile(path, 'pg-password');
  const password = randomBytes(24).toString('base64url');
  writeSecretFile(path, password);
  return password;
}

/**
 * Starts PGlite with its data in `dataDir` on a 0600 Unix socket beside it, and a password gate on
 * 127.0.0.1:port in front: PGlite itself accepts any user and password from any local account.
 * `maxConnections` must cover the relay's pool cap plus a migration connection: PGlite's default
 * of 1 resets extra connections.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  port: number,
  maxConnections = 8,
): Promise<EmbeddedPostgres> {
  const stateDir = dirname(dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const password = embeddedPostgresPassword(stateDir);
  const socketPath = join(stateDir, 'pg.sock');
  if (existsSync(socketPath)) unlinkSync(socketPath);
  const db = await PGlite.create(dataDir);
  const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections });
  await server.start();
  chmodSync(socketPath, 0o600);
  const gate = await startPasswordGate(port, password, socketPath).catch(async (error: unknown) => {
    await server.stop();
    await db.close();
    throw error;
  });
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres?sslmode=disable`,
    async stop() {
      await gate.close();
      await server.stop();
      await db.close();
    },
  };
}
