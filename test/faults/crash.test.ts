// Issue 4: the agent is SIGKILLed in the middle of a push round; nothing is lost or applied twice.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, tempDir } from '../harness/index.ts';
import { agentStatus, eventually, randomVector } from '../support/index.ts';
import { FAST_SYNC, inProcessAgent } from '../support/in-process-agent.ts';
import { type Stack, startStack } from '../support/stack.ts';

const COUNT = 3000;

describe('crash during a push round', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.destroy());

  it('after SIGKILL and restart, every acknowledged write arrives exactly once', async () => {
    const { edge, sql } = stack;
    const device = await stack.device('tenant-crash');
    const dir = tempDir('voicesync-crash-');
    const db = join(dir.path, 'agent.db');
    // Fill the outbox offline, so the restarted agent has a long push round to be killed in.
    const offline = await inProcessAgent({ db });
    const written = new Map<string, string>();
    for (let i = 0; i < COUNT; i++) {
      const { body } = await offline.call('PUT', `/v1/profiles/crash-${i}`, {
        name: `C${i}`,
        embedding: randomVector(40_000 + i),
      });
      written.set(`crash-${i}`, body.contentHash);
    }
    await offline.close();

    const configPath = join(dir.path, 'config.json');
    writeFileSync(configPath, JSON.stringify({ ...FAST_SYNC, batchSize: 20 }));
    const options = {
      db,
      edge: edge.url,
      deviceId: device.deviceId,
      token: device.token,
      args: ['--config', configPath],
    };
    const agent = await startAgent(options);
    await eventually(
      async () => {
        const status = await agentStatus(agent.url);
        return status.synced > 0 && status.outbox.pending > 0;
      },
      60_000,
      20,
    );
    await agent.kill('SIGKILL');
    const upstreamAtCrash = await sql<
      { n: number }[]
    >`SELECT count(*)::int AS n FROM profiles WHERE tenant_id = 'tenant-crash'`;
    expect(upstreamAtCrash[0]?.n).toBeGreaterThan(0);
    expect(upstreamAtCrash[0]?.n).toBeLessThan(COUNT);

    await agent.restart();
    try {
      await eventually(async () => (await agentStatus(agent.url)).outbox.pending === 0, 120_000, 250);
      const rows = await sql<{ speaker_id: string; content_hash: string; version: number }[]>`
        SELECT speaker_id, content_hash, version FROM profiles WHERE tenant_id = 'tenant-crash'`;
      expect(new Map(rows.map((r) => [r.speaker_id, r.content_hash]))).toEqual(written);
      expect(rows.every((r) => r.version === 1)).toBe(true);
      const [changes] = await sql<
        { n: number }[]
      >`SELECT count(*)::int AS n FROM changes WHERE tenant_id = 'tenant-crash'`;
      expect(changes?.n).toBe(COUNT);
    } finally {
      await agent.destroy();
      dir.remove();
    }
  });
});
