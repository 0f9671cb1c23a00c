// Process lifecycle helpers shared by the Postgres, edge and agent harnesses.
export { onProcessExit } from './exit-hooks.ts';
export {
  childPids,
  isAlive,
  pidsWithEnv,
  processCommandLine,
  processName,
  signalPid,
  waitForDeath,
  waitForDeathSync,
} from './pids.ts';
export { startWatchdog, writePidFile } from './watchdog.ts';
export type { Watchdog, WatchdogOptions } from './watchdog.ts';
