// Instructions instead of CPU time: workerd run under valgrind's callgrind, its count of executed
// instructions read per run. On this machine CPU time per request moves by half within minutes
// (docs/capacity.md, round 6); an instruction count does not follow the machine's phase, so two
// builds compare without that noise. It counts workerd's own user-space instructions only (not
// the kernel's work for its sockets, nor cache misses), and runs workerd ~50 times slower.
import { execFileSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { tempDir } from '../../../test/harness/temp-dir/index.ts';

/** Whether `BENCH_COST_COUNT=instructions` asked for instruction counts instead of CPU-ms. */
export const COUNTS_INSTRUCTIONS = process.env.BENCH_COST_COUNT === 'instructions';

function valgrindPath(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v valgrind'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('BENCH_COST_COUNT=instructions needs valgrind (Debian: apt-get install valgrind)');
  }
}

/**
 * Makes miniflare start workerd under callgrind (`MINIFLARE_WORKERD_PATH`) for the edges started
 * after this call; answers where the counts land.
 */
export function countWorkerdInstructions(): string {
  const valgrind = valgrindPath();
  // The binary miniflare itself would start (the `workerd` package has no types).
  const workerd = (createRequire(import.meta.url)('workerd') as { default: string }).default;
  const dir = tempDir('callgrind').path;
  const wrapper = join(dir, 'workerd');
  // --smc-check: V8 writes the machine code it then runs (JIT) into anonymous memory.
  writeFileSync(
    wrapper,
    `#!/bin/sh\nexec ${valgrind} --tool=callgrind --fair-sched=yes --callgrind-out-file=${dir}/cg.%p --smc-check=all-non-file --dump-instr=no ${workerd} "$@"\n`,
  );
  chmodSync(wrapper, 0o755);
  process.env.MINIFLARE_WORKERD_PATH = wrapper;
  return dir;
}

function callgrindControl(args: string[]): void {
  execFileSync('callgrind_control', args, { stdio: 'ignore' });
}

/** Zeroes the count of the workerd `pid` (started under `countWorkerdInstructions`). */
export function zeroInstructions(pid: number): void {
  callgrindControl(['-z', String(pid)]);
}

/** Instructions `pid` executed since `zeroInstructions`, read from a dump callgrind writes now. */
export function instructionsSinceZero(dir: string, pid: number): number {
  const dumps = () => readdirSync(dir).filter((name) => name.startsWith(`cg.${pid}.`));
  const before = new Set(dumps());
  callgrindControl(['-d', String(pid)]);
  const dump = dumps().find((name) => !before.has(name));
  if (!dump) throw new Error(`callgrind wrote no dump for workerd ${pid}`);
  const totals = /^(?:summary|totals): (\d+)/m.exec(readFileSync(join(dir, dump), 'utf8'));
  if (!totals?.[1]) throw new Error(`no instruction total in ${dump}`);
  return Number(totals[1]);
}
