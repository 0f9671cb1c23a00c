// Issue 13 contract: `npm start` passes RELAY_SHARDS and PG_MAX from its environment to the edge
// Worker (RELAY_SHARDS=3 PG_MAX=3 here, the settings under test), and refuses a split with no
// connection for a shard, naming both variables.
import { afterAll, describe, expect, it } from 'vitest';
import { type DevHandle, spawnDev } from '../harness/index.ts';
import { eventually } from '../support/index.ts';
import { type EdgeStatus, relayStatus } from './status.ts';

describe('npm start with RELAY_SHARDS and PG_MAX from the environment', () => {
  const devs: DevHandle[] = [];
  afterAll(async () => {
    for (const dev of devs) await dev.destroy();
  });

  it('runs three shards sharing PG_MAX=3', { timeout: 150_000 }, async () => {
    const dev = await spawnDev({ env: { RELAY_SHARDS: '3', PG_MAX: '3' } });
    devs.push(dev);
    let status: EdgeStatus | undefined;
    await eventually(
      async () => {
        status = await relayStatus(dev.edgeUrl).catch(() => undefined);
        return status !== undefined;
      },
      90_000,
      250,
    );
    expect(status?.budget).toEqual({ pgMax: 3, shards: 3, share: 1 });
    expect(status?.shards.map((shard) => shard.pool?.max)).toEqual([1, 1, 1]);
    // Ctrl-C is handled once the whole system is up.
    await eventually(async () => dev.output.join('').includes('agent ready at'), 60_000, 100);
    dev.child.kill('SIGINT');
    expect(await dev.exited).toBe(0);
    expect(await dev.settledLeftovers()).toEqual([]);
  });

  it('refuses RELAY_SHARDS=4 over PG_MAX=3 at start, naming both, and leaves no workerd behind', {
    timeout: 150_000,
  }, async () => {
    const dev = await spawnDev({ env: { RELAY_SHARDS: '4', PG_MAX: '3' } });
    devs.push(dev);
    const code = await dev.exited;
    expect(code).not.toBe(0);
    expect(dev.output.join('')).toContain('PG_MAX=3 over RELAY_SHARDS=4 leaves a shard no connection');
    // The refusal comes from a running Worker: its workerd pair was left serving, re-parented to PID 1.
    expect(await dev.settledLeftovers()).toEqual([]);
  });
});
