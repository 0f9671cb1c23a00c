// Runs the real edge Worker in workerd (miniflare), built from the same sources and wrangler
// config that `wrangler deploy` uses, with Durable Object state persisted across restarts.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Miniflare, type MiniflareOptions } from 'miniflare';
import { freePort } from '../free-port/index.ts';
import { repoPath } from '../paths/index.ts';
import { onProcessExit, signalPid, startWatchdog, type Watchdog } from '../process/index.ts';
import { tempDir } from '../temp-dir/index.ts';
import { buildEdge, type EdgeBuild } from './build.ts';
import { recordWorkerdPid } from './workerd-pid.ts';

export { buildEdge } from './build.ts';
export type { EdgeBuild, EdgeModule } from './build.ts';

export interface StartEdgeOptions {
  /** wrangler config; default the repository's `wrangler.toml`. */
  configPath?: string;
  /**
   * Overrides `[vars]` from the config, e.g. `{ DATABASE_URL, PG_MAX: '3', ADMIN_TOKEN }`; a
   * random DEVICE_TOKEN_KEY is added unless given.
   */
  vars?: Record<string, string>;
  /** Port on 127.0.0.1; default a free one. Kept across restarts when still free. */
  port?: number;
  /** Where Durable Object (and any other) storage lives; default a temp dir removed at exit. */
  persistDir?: string;
  /** Copy Worker console output to stderr as it arrives. Default: `HARNESS_ECHO=1`. */
  echo?: boolean;
  /**
   * Also serve the Worker on a socket of its own (`directUrl`), without miniflare's entry worker
   * in front: for CPU measurements, since Cloudflare's own front end is not part of a deployed
   * Worker's cost. Default false.
   */
  directSocket?: boolean;
}

export interface EdgeHandle {
  /** `http://127.0.0.1:PORT` (no trailing slash). Changes only if a restart found the port taken. */
  readonly url: string;
  readonly port: number;
  /** The Worker's own socket when started with `directSocket` (else undefined): no miniflare entry worker. */
  readonly directUrl: string | undefined;
  /** The current miniflare instance (e.g. for `getDurableObjectNamespace`). */
  readonly mf: Miniflare;
  readonly persistDir: string;
  /** Worker console output, one entry per line, across restarts. */
  readonly logs: string[];
  /** Starts again with the same storage and port; no-op when running. */
  start(): Promise<void>;
  /** Disposes workerd (storage is kept for `start()`). */
  stop(): Promise<void>;
  /** `stop()` then `start()`: in-memory state is lost, Durable Object storage survives. */
  restart(): Promise<void>;
  /** SIGKILL to workerd (a crash: nothing flushed), then miniflare is let go; `start()` brings it back. */
  kill(): Promise<void>;
  /** Stops and deletes the storage (if the harness created it). */
  destroy(): Promise<void>;
}

function captureLines(stream: Readable, logs: string[], echo: boolean): void {
  createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
    logs.push(line);
    if (echo) process.stderr.write(`[edge] ${line}\n`);
  });
}

function miniflareOptions(
  build: EdgeBuild,
  options: StartEdgeOptions,
  persistDir: string,
  port: number,
  logs: string[],
): MiniflareOptions {
  // Hyperdrive is left out on purpose: miniflare's local Hyperdrive proxy crashes its Node host
  // when Postgres dies, so tests reach Postgres through the DATABASE_URL var instead.
  const { hyperdrives: _hyperdrives, modulesRules: _modulesRules, ...worker } = build.workerOptions;
  const echo = options.echo ?? process.env.HARNESS_ECHO === '1';
  return {
    ...worker,
    name: build.name,
    modulesRoot: build.bundleDir,
    modules: build.modules,
    bindings: { ...worker.bindings, ...options.vars },
    durableObjectsPersist: join(persistDir, 'do'),
    defaultPersistRoot: persistDir,
    host: '127.0.0.1',
    port,
    // No network: use miniflare's placeholder `request.cf` instead of downloading one.
    cf: false,
    ...(options.directSocket ? { unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }] } : {}),
    // For profiling: `HARNESS_INSPECTOR_PORT=9229` opens workerd's V8 inspector (DevTools protocol).
    ...(process.env.HARNESS_INSPECTOR_PORT
      ? { inspectorPort: Number(process.env.HARNESS_INSPECTOR_PORT) }
      : {}),
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      captureLines(stdout, logs, echo);
      captureLines(stderr, logs, echo);
    },
  };
}

async function launch(
  build: EdgeBuild,
  options: StartEdgeOptions,
  persistDir: string,
  port: number,
  logs: string[],
) {
  const mf = new Miniflare(miniflareOptions(build, options, persistDir, port, logs));
  try {
    await mf.ready;
    return mf;
  } catch (error) {
    await mf.dispose().catch(() => {});
    throw error;
  }
}

function isAddressInUse(error: unknown): boolean {
  return (error as { code?: string }).code === 'ERR_ADDRESS_IN_USE';
}

/**
 * Bundles the Worker with `wrangler deploy --dry-run` (cached), reads bindings, Durable Object
 * classes and compatibility settings from the wrangler config, and serves it from workerd on
 * 127.0.0.1. `vars` override the config's `[vars]`; there is no Hyperdrive binding.
 *
 * @example
 * const edge = await startEdge({ vars: { DATABASE_URL: pg.url, PG_MAX: '3', ADMIN_TOKEN } });
 * await fetch(`${edge.url}/health`);
 * await edge.restart(); // Durable Object storage survives
 */
export async function startEdge(given: StartEdgeOptions = {}): Promise<EdgeHandle> {
  // The Worker refuses to sign or accept device tokens without a key: one per edge, kept across restarts.
  const options = {
    ...given,
    vars: { DEVICE_TOKEN_KEY: randomBytes(32).toString('base64url'), ...given.vars },
  };
  const build = await buildEdge(options.configPath ?? repoPath('wrangler.toml'));
  const dir = tempDir('edge');
  const persistDir = options.persistDir ?? join(dir.path, 'storage');
  const pidFile = join(dir.path, 'workerd.pid');
  const logs: string[] = [];
  let port = options.port ?? (await freePort());
  let mf: Miniflare | undefined;
  let last: Miniflare | undefined;
  let watchdog: Watchdog | undefined;
  let workerdPid: number | undefined;
  let directUrl: string | undefined;
  // miniflare's own exit hook kills workerd too, but may run after the storage is deleted.
  const unregister = onProcessExit(() => {
    if (mf && workerdPid !== undefined) signalPid(workerdPid, 'SIGKILL');
    watchdog?.cancel();
  });

  const handle: EdgeHandle = {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    get directUrl() {
      return directUrl;
    },
    get mf() {
      if (!last) throw new Error('edge never started');
      return last;
    },
    persistDir,
    logs,
    async start() {
      if (mf) return;
      try {
        mf = await launch(build, options, persistDir, port, logs);
      } catch (error) {
        // The old port can be taken between stop and start; a new one beats a failed test.
        if (!isAddressInUse(error) || options.port !== undefined) throw error;
        port = await freePort();
        mf = await launch(build, options, persistDir, port, logs);
      }
      last = mf;
      if (options.directSocket) directUrl = (await mf.unsafeGetDirectURL(build.name)).origin;
      workerdPid = recordWorkerdPid(port, pidFile);
      if (workerdPid !== undefined) {
        watchdog ??= startWatchdog({ pidFile, processName: 'workerd', signal: 'KILL', removeDir: dir.path });
      }
    },
    async stop() {
      await mf?.dispose();
      mf = undefined;
    },
    async restart() {
      await handle.stop();
      await handle.start();
    },
    async kill() {
      if (!mf) return;
      if (workerdPid !== undefined) signalPid(workerdPid, 'SIGKILL');
      // The runtime is already gone: disposing only releases miniflare's own handles.
      await mf.dispose().catch(() => undefined);
      mf = undefined;
    },
    async destroy() {
      await handle.stop();
      unregister();
      watchdog?.cancel();
      await dir.remove();
    },
  };
  try {
    await handle.start();
  } catch (error) {
    await handle.destroy();
    throw error;
  }
  return handle;
}
