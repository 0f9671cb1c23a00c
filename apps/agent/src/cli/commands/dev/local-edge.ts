// Runs the edge Worker locally in workerd through `wrangler dev`, offline, with the root wrangler.toml.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export interface LocalEdge {
  url: string;
  stop(): Promise<void>;
}

export interface LocalEdgeOptions {
  configPath: string;
  port: number;
  persistDir: string;
  vars: Record<string, string>;
  /** Called with each line wrangler prints. */
  onLine?: (line: string) => void;
}

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
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with code ${child.exitCode}`);
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
  const wrangler = createRequire(import.meta.url).resolve('wrangler/bin/wrangler.js');
  const args = [
    wrangler,
    'dev',
    '--config',
    options.configPath,
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--persist-to',
    options.persistDir,
    '--show-interactive-dev-session=false',
    '--log-level',
    'warn',
  ];
  // Vars (some are secrets) go through a 0600 env file, not argv, so `ps` never shows them.
  const envFile = join(options.persistDir, 'edge.env');
  const vars = { ...environmentVars(process.env), ...options.vars };
  mkdirSync(options.persistDir, { recursive: true, mode: 0o700 });
  writeFileSync(
    envFile,
    Object.entries(vars)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}\n`)
      .join(''),
    {
      mode: 0o600,
    },
  );
  args.push('--env-file', envFile);
  const child = spawn(process.execPath, args, {
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: 'false',
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      ...(options.vars.DATABASE_URL
        ? { CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: options.vars.DATABASE_URL }
        : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) if (line.trim()) options.onLine?.(line);
    });
  }
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
