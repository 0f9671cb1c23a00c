// Runs `voicesync agent start` as a child process and keeps every line it writes, for end-to-end checks.
import { type ChildProcess, spawn } from 'node:child_process';
import { BIN, cleanEnv, ROOT } from '../cli/run-cli.ts';

export interface AgentProcess {
  url: string;
  /** stdout and stderr lines, in arrival order. */
  lines: string[];
  stop(): Promise<number | null>;
}

/** Starts the agent on a free port and resolves once it listens. */
export function spawnAgent(env: Record<string, string>, args: string[] = []): Promise<AgentProcess> {
  const child: ChildProcess = spawn(process.execPath, [BIN, 'agent', 'start', '--port', '0', ...args], {
    cwd: ROOT,
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent did not start:\n${lines.join('\n')}`)), 60_000);
    const partial = new Map<unknown, string>();
    const onData = (stream: unknown) => (chunk: Buffer) => {
      // A chunk may end mid-line: keep the tail until its newline arrives.
      const parts = ((partial.get(stream) ?? '') + chunk.toString('utf8')).split('\n');
      partial.set(stream, parts.pop() ?? '');
      for (const line of parts) {
        if (!line) continue;
        lines.push(line);
        const ready = /listening on (http:\/\/\S+)/.exec(line);
        if (ready?.[1]) {
          clearTimeout(timer);
          resolve({
            url: ready[1],
            lines,
            stop: async () => {
              child.kill('SIGTERM');
              return exited;
            },
          });
        }
      }
    };
    child.stdout?.on('data', onData(child.stdout));
    child.stderr?.on('data', onData(child.stderr));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`agent exited with ${code}:\n${lines.join('\n')}`));
    });
  });
}
