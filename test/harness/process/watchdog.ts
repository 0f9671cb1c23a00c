// A detached shell that outlives a SIGKILLed test process and then stops what the test started.
//
// Exit hooks cannot run on SIGKILL (vitest's last resort for a stuck fork, or an OOM kill), and
// neither postgres nor workerd notice that their parent died. The watchdog polls the test
// process once a second; when it is gone it signals the pid on the first line of `pidFile`
// (only if that pid still has the expected command name, so a reused pid is left alone) and
// removes `removeDir`.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { signalPid } from './pids.ts';

const script = `
parent=$1 pidfile=$2 name=$3 signal=$4 dir=$5
while kill -0 "$parent" 2>/dev/null; do sleep 1; done
pid=$(head -n 1 "$pidfile" 2>/dev/null)
if [ -n "$pid" ] && [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = "$name" ]; then
  kill -"$signal" "$pid" 2>/dev/null
  i=0
  while [ $i -lt 100 ] && [ -d /proc/"$pid" ] && ! grep -q '^State:[[:space:]]*Z' /proc/"$pid"/status 2>/dev/null; do
    sleep 0.1; i=$((i + 1))
  done
fi
if [ -n "$dir" ]; then rm -rf "$dir"; fi
`;

export interface WatchdogOptions {
  /** File whose first line is the pid to signal (re-read at the moment the test process dies). */
  pidFile: string;
  /** Expected `/proc/PID/comm` of that pid, e.g. `postgres`, `workerd`, `node`. */
  processName: string;
  /** Signal name without `SIG`. */
  signal: 'KILL' | 'QUIT' | 'TERM';
  /** Directory to delete afterwards. */
  removeDir?: string;
}

export interface Watchdog {
  /** Stops the watchdog (call when the guarded resource was cleaned up normally). */
  cancel(): void;
}

/**
 * Starts a watchdog for the current process.
 *
 * @example const dog = startWatchdog({ pidFile, processName: 'workerd', signal: 'KILL' });
 */
export function startWatchdog(options: WatchdogOptions): Watchdog {
  const args = [String(process.pid), options.pidFile, options.processName, options.signal];
  const child = spawn('sh', ['-c', script, 'harness-watchdog', ...args, options.removeDir ?? ''], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return {
    cancel() {
      if (child.pid !== undefined && child.exitCode === null) signalPid(child.pid, 'SIGKILL');
    },
  };
}

/** Writes `pid` as the only line of `pidFile`, for a watchdog to read. */
export function writePidFile(pidFile: string, pid: number): void {
  writeFileSync(pidFile, `${pid}\n`);
}
