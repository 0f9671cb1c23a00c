// Finds the workerd process miniflare spawned, so a watchdog can kill it if the test process
// is SIGKILLed (workerd does not exit when its parent dies).
import { childPids, processCommandLine, processName, writePidFile } from '../process/index.ts';

/**
 * Writes the pid of this process's workerd child serving `port` to `pidFile`; returns it, or
 * undefined if not found (then the watchdog has nothing to kill, which is harmless).
 */
export function recordWorkerdPid(port: number, pidFile: string): number | undefined {
  const pid = childPids(process.pid).find(
    (candidate) =>
      processName(candidate) === 'workerd' &&
      processCommandLine(candidate).includes(`entry=127.0.0.1:${port}`),
  );
  if (pid !== undefined) writePidFile(pidFile, pid);
  return pid;
}
