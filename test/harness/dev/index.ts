// `voicesync dev` (what `npm start` runs) as a child of a test, on free ports, with every process of
// its tree (the edge runner, wrangler's esbuild, the workerd pair) findable after it stopped.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { freePort } from '../free-port/index.ts';
import { repoPath } from '../paths/index.ts';
import {
  onProcessExit,
  pidsWithEnv,
  signalPid,
  startWatchdog,
  waitForDeath,
  writePidFile,
} from '../process/index.ts';
import { tempDir } from '../temp-dir/index.ts';

/** The variable that marks one dev tree; inherited by every descendant, re-parented orphans too. */
const MARK = 'HARNESS_DEV_TREE';

export interface SpawnDevOptions {
  /** State directory (`--dir`); a fresh one, removed with the handle, by default. */
  dir?: string;
  /** Sent as DATABASE_URL; without it dev starts its embedded PostgreSQL (an inherited one is dropped). */
  databaseUrl?: string;
  /** Extra environment, e.g. the edge settings under test. */
  env?: Record<string, string>;
  /** Ports to use instead of free ones (a test about a taken port). */
  ports?: Partial<DevPorts>;
}

export interface DevPorts {
  port: number;
  edgePort: number;
  pgPort: number;
}

export interface DevHandle {
  child: ChildProcess;
  /** stdout and stderr chunks, in arrival order. */
  output: string[];
  /** Exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  dir: string;
  ports: DevPorts;
  url: string;
  edgeUrl: string;
  /** Live processes of this dev's tree, wherever they were re-parented: [] once it stopped cleanly. */
  leftovers(): number[];
  /** Resolves with the leftovers still alive after `timeoutMs` (stopping takes a moment). */
  settledLeftovers(timeoutMs?: number): Promise<number[]>;
  /** SIGKILLs dev (its edge runner then stops workerd by itself) and removes a default state dir. */
  destroy(): Promise<void>;
}

/**
 * Spawns `voicesync dev --dir <dir>` without waiting for it. A test process that ends (exit, signal,
 * or SIGKILL through a watchdog) SIGKILLs dev, which its own children must survive cleanly.
 *
 * @example const dev = await spawnDev(); ...; dev.child.kill('SIGINT'); await dev.exited;
 *          expect(await dev.settledLeftovers()).toEqual([]);
 */
export async function spawnDev(options: SpawnDevOptions = {}): Promise<DevHandle> {
  const home = tempDir('dev');
  const dir = options.dir ?? join(home.path, 'state');
  const ports: DevPorts = {
    port: options.ports?.port ?? (await freePort()),
    edgePort: options.ports?.edgePort ?? (await freePort()),
    pgPort: options.ports?.pgPort ?? (await freePort()),
  };
  const mark = randomBytes(8).toString('hex');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...options.env,
    VOICESYNC_PORT: String(ports.port),
    VOICESYNC_EDGE_PORT: String(ports.edgePort),
    VOICESYNC_PG_PORT: String(ports.pgPort),
    [MARK]: mark,
  };
  delete env.DATABASE_URL;
  if (options.databaseUrl !== undefined) env.DATABASE_URL = options.databaseUrl;
  const child = spawn(
    process.execPath,
    [repoPath('apps', 'agent', 'bin', 'voicesync.js'), 'dev', '--dir', dir],
    {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr])
    stream?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const kill = () => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null)
      signalPid(child.pid, 'SIGKILL');
  };
  const unregister = onProcessExit(kill);
  const pidFile = join(home.path, 'dev.pid');
  if (child.pid !== undefined) writePidFile(pidFile, child.pid);
  // A SIGKILLed test process runs no exit hook: the watchdog kills dev for it.
  const watchdog =
    child.pid === undefined
      ? undefined
      : startWatchdog({ pidFile, processName: 'node', signal: 'KILL', removeDir: home.path });
  const leftovers = () => pidsWithEnv(MARK, mark);
  return {
    child,
    output,
    exited,
    dir,
    ports,
    url: `http://127.0.0.1:${ports.port}`,
    edgeUrl: `http://127.0.0.1:${ports.edgePort}`,
    leftovers,
    async settledLeftovers(timeoutMs = 10_000) {
      await waitForDeath(leftovers(), timeoutMs);
      return leftovers();
    },
    async destroy() {
      kill();
      await exited;
      unregister();
      watchdog?.cancel();
      await home.remove();
    },
  };
}
