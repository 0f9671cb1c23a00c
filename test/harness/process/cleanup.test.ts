// The no-orphans promise: servers a test process started die with it, however it dies.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { throwawayWorker } from '../edge/fixtures/throwaway-worker.ts';
import { buildEdge } from '../edge/index.ts';
import { repoRoot } from '../paths/index.ts';
import { isAlive } from './index.ts';

interface Held {
  clusterDir: string;
  edgeDir: string;
  postmasterPid: number;
  workerdPid: number | undefined;
}

const fixture = new URL('./fixtures/hold-servers.ts', import.meta.url).pathname;

async function holdServers(configPath: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, configPath], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const lines = createInterface({ input: child.stdout });
  const held = await new Promise<Held>((resolve, reject) => {
    lines.once('line', (line) => resolve(JSON.parse(line) as Held));
    child.once('exit', (code) => reject(new Error(`fixture exited early (${code})`)));
  });
  return { child, exited, held };
}

function gone(held: Held): boolean {
  const pids = [held.postmasterPid, ...(held.workerdPid === undefined ? [] : [held.workerdPid])];
  return !pids.some(isAlive) && !existsSync(held.clusterDir) && !existsSync(held.edgeDir);
}

describe('cleanup when the test process ends', { timeout: 120_000 }, () => {
  const worker = throwawayWorker();

  // Built here once so that both fixture runs hit the build cache.
  beforeAll(() => buildEdge(worker.configPath), 120_000);
  afterAll(() => worker.remove());

  it('SIGTERM (how vitest stops a fork) runs the exit hooks: nothing survives', async () => {
    const { child, exited, held } = await holdServers(worker.configPath);
    expect(isAlive(held.postmasterPid)).toBe(true);
    expect(held.workerdPid).toBeDefined();
    child.kill('SIGTERM');
    await exited;
    await expect.poll(() => gone(held), { timeout: 10_000, interval: 200 }).toBe(true);
  });

  it('SIGKILL leaves the cleanup to the watchdogs: nothing survives', async () => {
    const { child, exited, held } = await holdServers(worker.configPath);
    child.kill('SIGKILL');
    await exited;
    await expect.poll(() => gone(held), { timeout: 10_000, interval: 200 }).toBe(true);
  });
});
