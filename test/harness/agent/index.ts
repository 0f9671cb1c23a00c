// Runs the real agent CLI as a child process, the way a user starts it, for end-to-end tests.
import { dirname, join } from 'node:path';
import { freePort } from '../free-port/index.ts';
import { repoPath, repoRoot } from '../paths/index.ts';
import { onProcessExit, processName, startWatchdog, type Watchdog, writePidFile } from '../process/index.ts';
import { tempDir } from '../temp-dir/index.ts';
import { type AgentExit, type AgentLaunch, AgentProcess } from './agent-process.ts';
import { agentFetch, readAgentKey, rememberAgentKey } from './api-keys.ts';

export type { AgentExit } from './agent-process.ts';
export { agentAuthHeaders, agentFetch, readAgentKey, rememberAgentKey } from './api-keys.ts';

/** The CLI entry point, run with `node --import tsx`. */
export const agentCliPath = repoPath('apps', 'agent', 'src', 'cli', 'index.ts');

export interface StartAgentOptions {
  /** Edge Worker base URL (`--edge`). */
  edge?: string;
  /** `--device-id`. */
  deviceId?: string;
  /** Device token, passed as VOICESYNC_TOKEN so it never shows in `ps` output. */
  token?: string;
  /** libSQL file (`--db`); default `agent.db` in a fresh temp dir. Reuse one to restart on old data. */
  db?: string;
  /** HTTP port (`--port`); default a free one. Kept across `restart()`. */
  port?: number;
  /** Extra CLI arguments after the harness's own. */
  args?: string[];
  /** Extra environment, applied last. Inherited VOICESYNC_* variables are dropped first. */
  env?: Record<string, string>;
  /** Deadline for `/health`. Default 30 000 ms. */
  readyTimeoutMs?: number;
  /** Copy agent output to stderr as it arrives. Default: `HARNESS_ECHO=1`. */
  echo?: boolean;
}

export interface AgentHandle {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  readonly dbPath: string;
  /** Where the agent keeps its API key: `api-key` beside the database (the default, read after each start). */
  readonly apiKeyPath: string;
  /** The API key the agent required at its last start (undefined with allowUnauthenticated). */
  readonly apiKey: string | undefined;
  /** fetch(`${url}${path}`) with the API key, like any client of the agent. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Pid of the current run. */
  readonly pid: number | undefined;
  /** Every stdout/stderr line of every run, in arrival order. */
  readonly logs: string[];
  /** Resolves when the current run exits. */
  readonly exited: Promise<AgentExit>;
  /** Sends `signal` (default SIGKILL: a crash) and resolves when the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<AgentExit>;
  /** Graceful: SIGTERM, then SIGKILL after `timeoutMs` (default 10 000). */
  stop(timeoutMs?: number): Promise<AgentExit>;
  /** Stops (if running) and starts again on the same database file and port. */
  restart(): Promise<void>;
  /** Resolves with the first log line (past or future) matching `pattern`. */
  waitForLog(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
  /** Stops the agent and deletes its temp dir (including the default database). */
  destroy(): Promise<void>;
}

function agentEnv(options: StartAgentOptions): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(([name]) => !name.startsWith('VOICESYNC_'));
  return {
    ...Object.fromEntries(inherited),
    ...(options.token === undefined ? {} : { VOICESYNC_TOKEN: options.token }),
    ...options.env,
  };
}

function agentArgv(port: number, db: string, options: StartAgentOptions): string[] {
  const flag = (name: string, value: string | undefined) => (value === undefined ? [] : [name, value]);
  return [
    '--import',
    'tsx',
    agentCliPath,
    ...['agent', 'start', '--port', String(port), '--db', db],
    ...flag('--edge', options.edge),
    ...flag('--device-id', options.deviceId),
    ...(options.args ?? []),
  ];
}

async function waitForLine(logs: string[], pattern: RegExp | string, timeoutMs: number): Promise<string> {
  const matches = (line: string) =>
    typeof pattern === 'string' ? line.includes(pattern) : pattern.test(line);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = logs.find(matches);
    if (line !== undefined) return line;
    if (Date.now() > deadline)
      throw new Error(`no agent log line matched ${String(pattern)} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Starts `voicesync agent start` as a child process on a free port (or `port`) and a fresh
 * libSQL file (or `db`), and resolves once `GET /health` returns 200.
 *
 * @example
 * const agent = await startAgent({ edge: edge.url, deviceId, token });
 * await agent.kill();            // SIGKILL
 * await agent.restart();         // same db, same port
 * expect(agent.logs.join('\n')).not.toContain(token);
 */
export async function startAgent(options: StartAgentOptions = {}): Promise<AgentHandle> {
  const dir = tempDir('agent');
  const port = options.port ?? (await freePort());
  const dbPath = options.db ?? join(dir.path, 'agent.db');
  const pidFile = join(dir.path, 'agent.pid');
  const apiKeyPath = join(dirname(dbPath), 'api-key');
  let apiKey: string | undefined;
  const launch: AgentLaunch = {
    argv: agentArgv(port, dbPath, options),
    cwd: repoRoot,
    env: agentEnv(options),
    url: `http://127.0.0.1:${port}`,
    logs: [],
    echo: options.echo ?? process.env.HARNESS_ECHO === '1',
    readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
  };
  let current: AgentProcess | undefined;
  let watchdog: Watchdog | undefined;
  const unregister = onProcessExit(() => {
    current?.signal('SIGKILL');
    watchdog?.cancel();
  });
  const run = async () => {
    current = await AgentProcess.start(launch);
    // Ready means the key exists: the agent made (or read) it before it listened.
    apiKey = launch.env.VOICESYNC_API_KEY ?? readAgentKey(apiKeyPath);
    if (apiKey !== undefined) rememberAgentKey(launch.url, apiKey);
    const pid = current.child.pid;
    if (pid === undefined) return;
    writePidFile(pidFile, pid);
    // The agent is safe to SIGKILL by design; a crashed test process must not leave it serving.
    watchdog ??= startWatchdog({ pidFile, processName: processName(pid) ?? 'node', signal: 'KILL' });
  };
  const stop = async (timeoutMs = 10_000) => {
    if (!current) throw new Error('agent was never started');
    return current.stop(timeoutMs);
  };

  const handle: AgentHandle = {
    url: launch.url,
    port,
    dbPath,
    apiKeyPath,
    get apiKey() {
      return apiKey;
    },
    fetch: (path, init) => agentFetch(`${launch.url}${path}`, init),
    logs: launch.logs,
    get pid() {
      return current?.child.pid;
    },
    get exited() {
      if (!current) throw new Error('agent was never started');
      return current.exited;
    },
    kill(signal = 'SIGKILL') {
      if (!current) return Promise.reject(new Error('agent was never started'));
      current.signal(signal);
      return current.exited;
    },
    stop,
    async restart() {
      if (current?.running) await stop();
      await run();
    },
    waitForLog: (pattern, timeoutMs = 10_000) => waitForLine(launch.logs, pattern, timeoutMs),
    async destroy() {
      if (current?.running) await stop();
      unregister();
      watchdog?.cancel();
      await dir.remove();
    },
  };
  try {
    await run();
  } catch (error) {
    await handle.destroy();
    throw error;
  }
  return handle;
}
