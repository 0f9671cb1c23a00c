// Runs the edge Worker locally in workerd, offline, with the root wrangler.toml, in a child that dies with `voicesync dev`.
//
// workerd does not exit when its parent dies, and the runner stops its workerd pair only when it
// can run code: SIGKILL of the runner left both serving. So the runner leads its own process
// group, and every way of stopping it ends with SIGKILL to that group.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { EdgeRunnerRequest } from './edge-runner.ts';

export interface LocalEdge {
  url: string;
  stop(): Promise<void>;
}

export interface LocalEdgeOptions {
  configPath: string;
  port: number;
  persistDir: string;
  vars: Record<string, string>;
  /** DevTools inspector port; the inspector stays off without it. */
  inspectorPort?: number;
  /** Called with each line wrangler prints. */
  onLine?: (line: string) => void;
}

const RUNNER = fileURLToPath(new URL('./edge-runner.ts', import.meta.url));

class ConfigRefused extends Error {
  override readonly name = 'ConfigRefused';
}

/** Edge settings an operator may give `npm start` in its environment; options.vars win over them. */
const FROM_ENVIRONMENT = ['RELAY_SHARDS', 'PG_MAX', 'RELAY_LOCATION_HINT'] as const;

function environmentVars(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(FROM_ENVIRONMENT.flatMap((name) => (env[name] ? [[name, env[name]]] : [])));
}

async function waitForHealth(url: string, child: ChildProcess, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`the edge process exited (${child.signalCode ?? `code ${child.exitCode}`})`);
    try {
      // A Worker that accepts and never answers must not stall the deadline.
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5_000) });
      if (response.ok) return;
      // A shard split the Worker refuses (RELAY_SHARDS, PG_MAX) will not heal by waiting.
      const body = (await response.json().catch(() => null)) as {
        error?: { code?: string; message?: string };
      } | null;
      if (body?.error?.code === 'bad_config')
        throw new ConfigRefused(body.error.message ?? 'bad edge config');
    } catch (error) {
      if (error instanceof ConfigRefused) throw error;
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`edge did not become healthy within ${deadlineMs / 1000} s`);
}

/** Signals the runner's whole process group (the runner, wrangler's esbuild, both workerd processes). */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(process.platform === 'win32' ? child.pid : -child.pid, signal);
  } catch (error) {
    // ESRCH: the group is already empty.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/**
 * SIGTERM to the whole group, as Ctrl-C in a terminal would send SIGINT to it: the runner disposes
 * workerd, and wrangler's esbuild ends quietly instead of reporting its lost parent as a fatal error.
 * Whatever of the group is left after the runner ended, or after `graceMs`, is killed.
 */
function stopRunner(child: ChildProcess, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      signalGroup(child, 'SIGKILL');
      resolve();
    };
    const timer = setTimeout(finish, graceMs);
    if (child.exitCode !== null || child.signalCode !== null) return finish();
    child.once('exit', finish);
    signalGroup(child, 'SIGTERM');
  });
}

export async function startLocalEdge(options: LocalEdgeOptions): Promise<LocalEdge> {
  mkdirSync(options.persistDir, { recursive: true, mode: 0o700 });
  // An IPC channel: the vars (secrets) travel over it, and its closing tells the child its parent is gone.
  const child = spawn(process.execPath, ['--import', 'tsx', RUNNER], {
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: 'false',
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      // The Worker connects with DATABASE_URL; the Hyperdrive binding only has to start. miniflare's
      // local Hyperdrive proxy never answers a request when its string has no password (the Worker
      // then hangs), so a password-less DATABASE_URL leaves wrangler.toml's placeholder in place.
      ...(options.vars.DATABASE_URL && new URL(options.vars.DATABASE_URL).password
        ? { CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: options.vars.DATABASE_URL }
        : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // Its own process group, so that the group can be killed; Ctrl-C reaches it through stop().
    detached: true,
  });
  // However the runner ends (a crash, the OOM killer), its workerd pair goes with it.
  child.once('exit', () => signalGroup(child, 'SIGKILL'));
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) if (line.trim()) options.onLine?.(line);
    });
  }
  const request: EdgeRunnerRequest = {
    configPath: options.configPath,
    port: options.port,
    persistDir: options.persistDir,
    vars: { ...environmentVars(process.env), ...options.vars },
    ...(options.inspectorPort === undefined ? {} : { inspectorPort: options.inspectorPort }),
  };
  child.send(request);
  const url = `http://127.0.0.1:${options.port}`;
  try {
    await waitForHealth(url, child, 90_000);
  } catch (error) {
    // A refused config (RELAY_SHARDS over PG_MAX) lands here with workerd already running.
    await stopRunner(child, 5_000);
    throw error;
  }
  return { url, stop: () => stopRunner(child, 5_000) };
}
