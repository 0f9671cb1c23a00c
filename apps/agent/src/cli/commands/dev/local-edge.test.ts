// The local edge's workerd pair must not outlive its runner, however the runner ends.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { throwawayWorker } from '../../../../../../test/harness/edge/fixtures/throwaway-worker.ts';
import { freePort } from '../../../../../../test/harness/free-port/index.ts';
import {
  childPids,
  isAlive,
  processCommandLine,
  processName,
  signalPid,
  waitForDeath,
} from '../../../../../../test/harness/process/index.ts';
import { type LocalEdge, startLocalEdge } from './local-edge.ts';

describe('startLocalEdge', { timeout: 120_000 }, () => {
  const worker = throwawayWorker();
  let edge: LocalEdge | undefined;
  afterAll(async () => {
    await edge?.stop();
    await worker.remove();
  });

  it('takes the workerd pair down when its runner is SIGKILLed (workerd ignores its parent dying)', async () => {
    edge = await startLocalEdge({
      configPath: worker.configPath,
      port: await freePort(),
      persistDir: join(worker.path, 'state'),
      // With a password: miniflare's local Hyperdrive proxy hangs the Worker on a string without one.
      vars: { DATABASE_URL: 'postgres://user:password@127.0.0.1:1/none' },
    });
    expect((await fetch(`${edge.url}/presence`)).ok).toBe(true);
    const runner = childPids(process.pid).find((pid) => processCommandLine(pid).includes('edge-runner.ts'));
    expect(runner).toBeDefined();
    const workerd = childPids(runner ?? 0).filter((pid) => processName(pid) === 'workerd');
    expect(workerd.length).toBeGreaterThan(0);

    signalPid(runner ?? 0, 'SIGKILL');
    expect(await waitForDeath(workerd, 10_000), `still alive: ${workerd.filter(isAlive)}`).toBe(true);
    await expect(fetch(`${edge.url}/presence`)).rejects.toThrow();
  });
});
