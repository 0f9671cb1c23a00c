// The zero-install stand-in: PGlite (Postgres compiled to WASM, in this process) behind
// pglite-socket's wire-protocol server, used only when no PostgreSQL binaries exist.
//
// Limits: one database (every connection lands in `postgres`, whatever the URL names);
// queries run one at a time; `kill()` only drops the socket server (there is no process to
// crash, and in-flight transactions roll back); `countConnections` reads the socket server's
// counter (no application_name filter); server settings other than maxConnections are ignored.
import { freePort } from '../free-port/index.ts';
import { onProcessExit } from '../process/index.ts';
import { fallbackServers } from './connections.ts';
import { type PostgresHandle, serverUrl, type StartPostgresOptions } from './types.ts';

/** Starts PGlite on a TCP port; see `startPostgres` for the contract. */
export async function startPgliteCluster(
  options: StartPostgresOptions,
  reason: string,
): Promise<PostgresHandle> {
  process.stderr.write(
    `[harness] ${reason}: tests run against PGlite over pglite-socket, NOT a real PostgreSQL server.\n`,
  );
  // Loaded lazily so that runs on real PostgreSQL never pay for the WASM build.
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const db = await PGlite.create();
  const port = options.port ?? (await freePort());
  // The default of 1 makes the server reset every connection beyond the first.
  const maxConnections = Math.max(options.maxConnections ?? 100, 10);
  let server: InstanceType<typeof PGLiteSocketServer> | undefined;
  const unregister = onProcessExit(() => fallbackServers.delete(port));

  const close = async () => {
    await server?.stop();
    server = undefined;
    fallbackServers.delete(port);
  };
  const handle: PostgresHandle = {
    url: serverUrl(port),
    adminUrl: serverUrl(port, 'postgres'),
    port,
    isFallback: true,
    logPath: undefined,
    async start() {
      if (server) return;
      const started = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections });
      await started.start();
      server = started;
      fallbackServers.set(port, () => started.getStats().activeConnections);
    },
    stop: close,
    kill: close,
    async restart() {
      await close();
      await handle.start();
    },
    async destroy() {
      await close();
      unregister();
      await db.close();
    },
  };
  await handle.start();
  return handle;
}
