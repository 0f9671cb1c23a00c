// Self-tests of the edge harness: wrangler build, config-driven bindings, persistence, restarts.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from '../paths/index.ts';
import { throwawayWorker } from './fixtures/throwaway-worker.ts';
import { buildEdge, type EdgeHandle, startEdge } from './index.ts';

const text = async (url: string) => (await fetch(url)).text();

describe('startEdge with a throwaway worker', { timeout: 60_000 }, () => {
  const worker = throwawayWorker();
  let edge: EdgeHandle;

  beforeAll(async () => {
    edge = await startEdge({ configPath: worker.configPath, vars: { PG_MAX: '7' } });
  }, 120_000);
  afterAll(async () => {
    await edge?.destroy();
    await worker.remove();
  });

  it('serves vars from wrangler.toml overridden by opts.vars, without Hyperdrive', async () => {
    expect(edge.url).toBe(`http://127.0.0.1:${edge.port}`);
    const vars = await (await fetch(`${edge.url}/vars`)).json();
    expect(vars).toEqual({ PG_MAX: '7', GREETING: 'from wrangler.toml', hyperdrive: 'undefined' });
  });

  it('binds every Durable Object class declared in the config', async () => {
    expect(await text(`${edge.url}/presence`)).toBe('present');
  });

  it('keeps Durable Object storage across restart(), on the same port', async () => {
    const before = Number(await text(`${edge.url}/count`));
    const url = edge.url;
    await edge.restart();
    expect(edge.url).toBe(url);
    expect(Number(await text(`${edge.url}/count`))).toBe(before + 1);
  });

  it('captures Worker console output in logs', async () => {
    await text(`${edge.url}/log`);
    await expect
      .poll(() => edge.logs.some((line) => line.includes('throwaway-worker says hello')))
      .toBe(true);
  });

  it('stop() takes the Worker down and start() brings it back with its state', async () => {
    const before = Number(await text(`${edge.url}/count`));
    await edge.stop();
    await expect(fetch(`${edge.url}/count`)).rejects.toThrow();
    await edge.start();
    expect(Number(await text(`${edge.url}/count`))).toBe(before + 1);
  });

  it('builds once per source state', async () => {
    const build = await buildEdge(worker.configPath);
    // A rebuild would land in a new directory (named by time and pid): the same one means reused.
    expect((await buildEdge(worker.configPath)).bundleDir).toBe(build.bundleDir);
    expect(build.name).toBe('harness-throwaway');
    expect(build.modules[0]?.path.endsWith('index.js')).toBe(true);
  });
});

describe.skipIf(!existsSync(repoPath('apps', 'edge', 'src', 'index.ts')))(
  'startEdge with the repository Worker',
  () => {
    it('builds apps/edge from wrangler.toml and answers HTTP', { timeout: 120_000 }, async () => {
      const edge = await startEdge({ vars: { PG_MAX: '3' } });
      try {
        const response = await fetch(`${edge.url}/health`);
        expect(response.status).toBeLessThan(600);
        await response.body?.cancel();
        expect(await edge.mf.getDurableObjectNamespace('RELAY')).toBeDefined();
      } finally {
        await edge.destroy();
      }
    });
  },
);
