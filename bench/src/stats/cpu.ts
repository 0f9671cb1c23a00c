// Where a run's CPU went: this process, workerd and PostgreSQL, read from Linux /proc.
import { readdirSync, readFileSync } from 'node:fs';

export interface CpuSeconds {
  /** This Node.js process: the agents and the benchmark driver. */
  node: number;
  workerd: number;
  postgres: number;
}

const TICKS_PER_SECOND = 100;

/**
 * User + system CPU of every process named `name`, children already reaped included (a closed
 * PostgreSQL backend's time moves to the postmaster's cutime/cstime), in seconds.
 */
function cpuOfProcesses(name: string): number {
  let ticks = 0;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return Number.NaN;
  }
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const close = stat.lastIndexOf(')');
    if (stat.slice(stat.indexOf('(') + 1, close) !== name) continue;
    // Fields after the command: state is 3rd; utime, stime, cutime, cstime are the 14th-17th.
    const fields = stat.slice(close + 2).split(' ');
    ticks += [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0);
  }
  return ticks / TICKS_PER_SECOND;
}

export function cpuNow(): CpuSeconds {
  const own = process.cpuUsage();
  return {
    node: (own.user + own.system) / 1e6,
    workerd: cpuOfProcesses('workerd'),
    postgres: cpuOfProcesses('postgres'),
  };
}

export function cpuSince(start: CpuSeconds): CpuSeconds {
  const now = cpuNow();
  return {
    node: now.node - start.node,
    workerd: now.workerd - start.workerd,
    postgres: now.postgres - start.postgres,
  };
}
