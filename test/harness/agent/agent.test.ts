// Self-tests of the agent harness against the real CLI (skipped until the CLI exists).
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, agentCliPath, startAgent } from './index.ts';

const token = 'dev_harness.not-a-real-secret-0123456789';

async function healthStatus(url: string): Promise<number | string> {
  try {
    return (await fetch(`${url}/health`)).status;
  } catch (error) {
    return ((error as { cause?: { code?: string } }).cause?.code ?? 'failed') as string;
  }
}

describe.skipIf(!existsSync(agentCliPath))('startAgent', { timeout: 120_000 }, () => {
  let agent: AgentHandle;

  beforeAll(async () => {
    // Nothing listens on port 9: the agent runs offline, which is all these tests need.
    agent = await startAgent({ edge: 'http://127.0.0.1:9', deviceId: 'dev_harness', token });
  }, 120_000);
  afterAll(() => agent?.destroy());

  it('answers /health and captures its output', async () => {
    expect(agent.url).toBe(`http://127.0.0.1:${agent.port}`);
    expect(await healthStatus(agent.url)).toBe(200);
    await agent.waitForLog(`listening on ${agent.url}`);
    expect(agent.logs.join('\n')).not.toContain(token);
  });

  it('kill() crashes it; restart() comes back on the same port and database', async () => {
    const pid = agent.pid;
    expect(await agent.kill()).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await healthStatus(agent.url)).toBe('ECONNREFUSED');
    await agent.restart();
    expect(agent.pid).not.toBe(pid);
    expect(await healthStatus(agent.url)).toBe(200);
  });

  it('stop() is a graceful SIGTERM', async () => {
    expect(await agent.stop()).toEqual({ code: 0, signal: null });
    await agent.restart();
    expect(await healthStatus(agent.url)).toBe(200);
  });

  it('destroy() removes its temp dir', async () => {
    const other = await startAgent({});
    const dir = dirname(other.dbPath);
    expect(existsSync(dir)).toBe(true);
    await other.destroy();
    expect(existsSync(dir)).toBe(false);
  });

  it('a failing start rejects with the agent output', async () => {
    await expect(startAgent({ args: ['--no-such-flag'] })).rejects.toThrow(/exited[\s\S]*no-such-flag/);
  });
});
