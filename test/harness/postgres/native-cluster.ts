// A throwaway PostgreSQL cluster from the installed server binaries: initdb, configure, run.
import { appendFile, chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../free-port/index.ts';
import { onProcessExit, startWatchdog } from '../process/index.ts';
import { tempDir } from '../temp-dir/index.ts';
import { serverUser } from './binaries.ts';
import { ServerProcess } from './server-process.ts';
import { createCluster } from './template.ts';
import {
  databaseName,
  type PostgresHandle,
  type PostgresSetting,
  serverUrl,
  type StartPostgresOptions,
} from './types.ts';
import { ensureDatabase } from './readiness.ts';

function formatSetting(value: PostgresSetting): string {
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (typeof value === 'number') return String(value);
  return `'${value.replaceAll("'", "''")}'`;
}

// fsync and full-page writes only protect against an OS crash, which tests never cause; a
// SIGKILLed server recovers from the page cache. synchronous_commit stays on: with it off,
// commits acknowledged in the last ~0.6 s vanish when the server is killed.
function clusterSettings(port: number, socketDir: string, options: StartPostgresOptions): string {
  const settings: Record<string, PostgresSetting> = {
    listen_addresses: '127.0.0.1',
    port,
    unix_socket_directories: socketDir,
    max_connections: options.maxConnections ?? 100,
    fsync: false,
    full_page_writes: false,
    ...options.settings,
  };
  const lines = Object.entries(settings).map(([key, value]) => `${key} = ${formatSetting(value)}`);
  return `\n# voicesync test harness\n${lines.join('\n')}\n`;
}

/** Starts a cluster with the binaries in `binDir`; see `startPostgres` for the contract. */
export async function startNativeCluster(
  binDir: string,
  options: StartPostgresOptions,
): Promise<PostgresHandle> {
  const user = serverUser();
  const dir = tempDir('postgres', user ? { owner: user } : {});
  const dataDir = join(dir.path, 'data');
  const socketDir = join(dir.path, 'socket');
  const logPath = join(dir.path, 'postgres.log');
  const port = options.port ?? (await freePort());
  await createCluster(binDir, user, dataDir);
  await mkdir(socketDir);
  if (user) await chown(socketDir, user.uid, user.gid);
  await appendFile(join(dataDir, 'postgresql.conf'), clusterSettings(port, socketDir, options));

  const launch = {
    binDir,
    dataDir,
    logPath,
    user,
    probeUrl: serverUrl(port, 'postgres'),
    readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
  };
  let server: ServerProcess | undefined;
  const watchdog = startWatchdog({
    pidFile: join(dataDir, 'postmaster.pid'),
    processName: 'postgres',
    signal: 'QUIT',
    removeDir: dir.path,
  });
  const unregister = onProcessExit(() => {
    server?.killSync();
    watchdog.cancel();
  });

  const handle: PostgresHandle = {
    url: serverUrl(port),
    adminUrl: serverUrl(port, 'postgres'),
    port,
    isFallback: false,
    logPath,
    async start() {
      // A server that died on its own (not through this handle) is started afresh.
      if (server?.running) return;
      server = await ServerProcess.start(launch);
    },
    async stop() {
      await server?.stop();
      server = undefined;
    },
    async kill() {
      await server?.kill();
      server = undefined;
    },
    async restart() {
      await handle.stop();
      await handle.start();
    },
    async destroy() {
      await handle.stop();
      unregister();
      watchdog.cancel();
      await dir.remove();
    },
  };
  try {
    await handle.start();
    await ensureDatabase(handle.adminUrl, databaseName);
  } catch (error) {
    await handle.destroy();
    throw error;
  }
  return handle;
}
