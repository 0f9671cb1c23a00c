// Issue 13 contract: `npm start` passes RELAY_SHARDS and PG_MAX from its environment to the edge
// Worker (RELAY_SHARDS=3 PG_MAX=3 here, the settings under test), and refuses a split with no
// connection for a shard, naming both variables.
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, repoPath, tempDir } from '../harness/index.ts';
import { eventually } from '../support/index.ts';
import { type EdgeStatus, relayStatus } from './status.ts';

async function spawnDev(dir: string, vars: Record<string, string>) {
  const ports = { port: await freePort(), edgePort: await freePort(), pgPort: await freePort() };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...vars,
    VOICESYNC_PORT: String(ports.port),
    VOICESYNC_EDGE_PORT: String(ports.edgePort),
    VOICESYNC_PG_PORT: String(ports.pgPort),
  };
  delete env.DATABASE_URL;
  const child = spawn(
    process.execPath,
    [repoPath('apps', 'agent', 'bin', 'voicesync.js'), 'dev', '--dir', dir],
    {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr])
    stream?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output, exited, edgeUrl: `http://127.0.0.1:${ports.edgePort}` };
}

describe('npm start with RELAY_SHARDS and PG_MAX from the environment', () => {
  const dirs = [tempDir('voicesync-dev-shards-'), tempDir('voicesync-dev-shards-')];
  const children: Array<{ kill(signal: NodeJS.Signals): boolean }> = [];
  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
    for (const dir of dirs) dir.remove();
  });

  it('runs three shards sharing PG_MAX=3', { timeout: 150_000 }, async () => {
    const dev = await spawnDev(dirs[0]!.path, { RELAY_SHARDS: '3', PG_MAX: '3' });
    children.push(dev.child);
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
  });

  it('refuses RELAY_SHARDS=4 over PG_MAX=3 at start, naming both', { timeout: 150_000 }, async () => {
    const dev = await spawnDev(dirs[1]!.path, { RELAY_SHARDS: '4', PG_MAX: '3' });
    children.push(dev.child);
    const code = await dev.exited;
    expect(code).not.toBe(0);
    expect(dev.output.join('')).toContain('PG_MAX=3 over RELAY_SHARDS=4 leaves a shard no connection');
  });
});
