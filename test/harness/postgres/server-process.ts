// One run of a postmaster: spawn it, wait until it answers, stop it gracefully or kill it.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { childPids, signalPid, waitForDeath, waitForDeathSync } from '../process/index.ts';
import { commandAs, type ServerUser } from './binaries.ts';
import { waitForPostgres } from './readiness.ts';

export interface ServerLaunch {
  binDir: string;
  dataDir: string;
  logPath: string;
  user: ServerUser | undefined;
  /** URL used for the readiness probe. */
  probeUrl: string;
  readyTimeoutMs: number;
}

function logTail(logPath: string): string {
  try {
    return readFileSync(logPath, 'utf8').trimEnd().split('\n').slice(-8).join('\n');
  } catch {
    return '(no log)';
  }
}

/** A running postmaster, spawned directly (not via pg_ctl) so its exit is observable. */
export class ServerProcess {
  private exitReason: string | undefined;
  readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    private readonly launch: ServerLaunch,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitReason = `exited with ${signal ?? `code ${code}`}`;
        resolve();
      });
      child.once('error', (error) => {
        this.exitReason = `failed to spawn: ${error.message}`;
        resolve();
      });
    });
  }

  /** Spawns `postgres -D dataDir` (settings live in postgresql.conf) and waits until it answers. */
  static async start(launch: ServerLaunch): Promise<ServerProcess> {
    const logFd = openSync(launch.logPath, 'a');
    const [command, args] = commandAs(launch.user, join(launch.binDir, 'postgres'), ['-D', launch.dataDir]);
    // cwd inside the cluster dir: the server user may not be allowed into ours.
    const child = spawn(command, args, { cwd: join(launch.dataDir, '..'), stdio: ['ignore', logFd, logFd] });
    closeSync(logFd);
    // The exit hook owns cleanup; an unref'd child never keeps a script alive by itself.
    child.unref();
    const server = new ServerProcess(child, launch);
    const failure = () => server.exitReason && `${server.exitReason}\n${logTail(launch.logPath)}`;
    try {
      await waitForPostgres(launch.probeUrl, { timeoutMs: launch.readyTimeoutMs, failure });
    } catch (error) {
      server.killSync();
      throw error;
    }
    return server;
  }

  /** False once the server process has exited, for whatever reason. */
  get running(): boolean {
    return this.exitReason === undefined;
  }

  /**
   * The postmaster pid: the child itself, or under root the only child of `runuser` (which
   * forks). postmaster.pid is not trusted: after a kill it names a dead, maybe reused, pid.
   */
  get postmasterPid(): number | undefined {
    const pid = this.child.pid;
    if (pid === undefined || this.exitReason !== undefined) return undefined;
    return this.launch.user ? childPids(pid)[0] : pid;
  }

  /** Fast shutdown (SIGINT, what `pg_ctl stop -m fast` sends); escalates after `timeoutMs`. */
  async stop(timeoutMs = 15_000): Promise<void> {
    const pid = this.postmasterPid;
    if (pid === undefined) return this.kill();
    signalPid(pid, 'SIGINT');
    if (!(await this.exitedWithin(timeoutMs))) await this.kill();
  }

  /** SIGKILL the postmaster and every backend at once, then wait until all are gone. */
  async kill(): Promise<void> {
    const pids = this.victims();
    for (const pid of pids) signalPid(pid, 'SIGKILL');
    if (!(await this.exitedWithin(5_000)) && this.child.pid !== undefined)
      signalPid(this.child.pid, 'SIGKILL');
    // A backend still attached to the old shared memory would make the next start fail.
    await waitForDeath(pids, 10_000);
  }

  /** `kill()` for exit handlers, which cannot await. */
  killSync(): void {
    const pids = this.victims();
    for (const pid of pids) signalPid(pid, 'SIGKILL');
    waitForDeathSync(pids, 3_000);
  }

  private victims(): number[] {
    const pid = this.postmasterPid;
    return pid === undefined ? [] : [pid, ...childPids(pid)];
  }

  // A ref'd timer: the child is unref'd, so awaiting its exit alone would let a script end early.
  private async exitedWithin(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([this.exited.then(() => true), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}
