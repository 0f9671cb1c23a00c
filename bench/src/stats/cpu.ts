// Where a run's CPU went: this process, workerd and PostgreSQL, read from Linux /proc.
import { readdirSync, readFileSync } from 'node:fs';

export interface CpuSeconds {
  /** This Node.js process: the agents and the benchmark driver. */
  node: number;
  workerd: number;
  postgres: number;
}

const TICKS_PER_SECOND = 100;

interface ProcessStat {
  pid: number;
  ppid: number;
  name: string;
  ticks: number;
}

function processes(): ProcessStat[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return [];
  }
  const out: ProcessStat[] = [];
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const close = stat.lastIndexOf(')');
    // Fields after the command: state, ppid, ...; utime, stime, cutime, cstime are the 14th-17th.
    const fields = stat.slice(close + 2).split(' ');
    out.push({
      pid: Number(pid),
      ppid: Number(fields[1]),
      name: stat.slice(stat.indexOf('(') + 1, close),
      ticks: [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0),
    });
  }
  return out;
}

/**
 * User + system CPU of every process named `name` that this process started (directly or not),
 * children already reaped included (a closed PostgreSQL backend's time moves to the postmaster's
 * cutime/cstime), in seconds. Other users' workerd or postgres on a shared machine do not count.
 */
function cpuOfProcesses(name: string): number {
  const all = processes();
  if (all.length === 0) return Number.NaN;
  const parent = new Map(all.map((p) => [p.pid, p.ppid]));
  const ours = (pid: number): boolean => {
    for (let at = pid, hops = 0; at > 1 && hops < 64; at = parent.get(at) ?? 0, hops++) {
      if (at === process.pid) return true;
    }
    return false;
  };
  const ticks = all.filter((p) => p.name === name && ours(p.pid)).reduce((sum, p) => sum + p.ticks, 0);
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

/** User + system CPU seconds of one process (all its threads), NaN once it is gone. */
export function cpuOfPid(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}
