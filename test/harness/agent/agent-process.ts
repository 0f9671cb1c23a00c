// One run of the agent CLI as a child process: spawn, capture its log lines, wait for /health.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { signalPid } from '../process/index.ts';

export interface AgentExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface AgentLaunch {
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  url: string;
  logs: string[];
  echo: boolean;
  readyTimeoutMs: number;
}

function capture(child: ChildProcess, launch: AgentLaunch): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
      launch.logs.push(line);
      if (launch.echo) process.stderr.write(`[agent ${child.pid}] ${line}\n`);
    });
  }
}

async function healthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** A running agent process. */
export class AgentProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<AgentExit>;
  private exit: AgentExit | undefined;

  private constructor(launch: AgentLaunch) {
    this.child = spawn(process.execPath, launch.argv, {
      cwd: launch.cwd,
      env: launch.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    capture(this.child, launch);
    this.exited = new Promise((resolve) => {
      // 'close', not 'exit': it waits for stdout/stderr to drain, so the logs are complete.
      this.child.once('close', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
      this.child.once('error', (error) => {
        launch.logs.push(`[harness] spawn failed: ${error.message}`);
        this.exit = { code: null, signal: null };
        resolve(this.exit);
      });
    });
  }

  /** Spawns the agent and resolves once `GET /health` answers 200; kills it on failure. */
  static async start(launch: AgentLaunch): Promise<AgentProcess> {
    const agent = new AgentProcess(launch);
    const deadline = Date.now() + launch.readyTimeoutMs;
    while (!(await healthy(launch.url))) {
      const problem =
        agent.exit !== undefined
          ? `exited (${agent.exit.signal ?? `code ${agent.exit.code}`})`
          : Date.now() > deadline
            ? `no 200 from ${launch.url}/health within ${launch.readyTimeoutMs} ms`
            : undefined;
      if (problem !== undefined) {
        agent.signal('SIGKILL');
        throw new Error(`agent did not start: ${problem}\n${launch.logs.slice(-20).join('\n')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return agent;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Sends `signal` if the process still runs. */
  signal(signal: NodeJS.Signals): void {
    if (this.running && this.child.pid !== undefined) signalPid(this.child.pid, signal);
  }

  /** SIGTERM (the agent drains and closes its store), SIGKILL after `timeoutMs`. */
  async stop(timeoutMs: number): Promise<AgentExit> {
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
