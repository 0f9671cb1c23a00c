// Runs the edge Worker locally in workerd, offline, with the root wrangler.toml, in a child that dies with `voicesync dev`.
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
    if (child.exitCode !== null) throw new Error(`the edge process exited with code ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/health`);
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
  });
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
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }),
  };
}
