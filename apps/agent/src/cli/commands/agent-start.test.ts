// `agent start` on a port in use or a host that does not resolve: exit 2 with one line, database closed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../../../test/cli/run-cli.ts';
import { type AgentProcess, spawnAgent } from '../../../../../test/observability/agent-process.ts';
import type { Agent } from '../../agent.ts';
import { startAgent } from './agent-start.ts';

// The real createAgent, remembered, so the test can see what the failed start left open.
const opened = vi.hoisted(() => [] as Agent[]);
vi.mock('../../agent.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../agent.ts')>();
  return {
    ...actual,
    createAgent: async (...args: Parameters<typeof actual.createAgent>) => {
      const agent = await actual.createAgent(...args);
      opened.push(agent);
      return agent;
    },
  };
});

describe('agent start on an address it cannot listen on', () => {
  const dir = mkdtempSync(join(tmpdir(), 'voicesync-start-'));
  let running: AgentProcess;
  let port: string;
  beforeAll(async () => {
    running = await spawnAgent({}, ['--db', join(dir, 'running.db')]);
    port = new URL(running.url).port;
  });
  afterAll(async () => {
    await running.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 2 with one line naming the address and the reason, never a stack trace (a bad host with allowRemoteApi)', async () => {
    const [inUse, badHost, remote] = await Promise.all([
      runCli(['agent', 'start', '--port', port, '--db', join(dir, 'second.db')]),
      runCli(['agent', 'start', '--port', '0', '--db', join(dir, 'third.db')], {
        env: { VOICESYNC_HOST: '999.1.1.1', VOICESYNC_ALLOW_REMOTE_API: 'true' },
      }),
      runCli(['agent', 'start', '--port', '0', '--db', join(dir, 'fourth.db')], {
        env: { VOICESYNC_HOST: '0.0.0.0' },
      }),
    ]);
    // A non-loopback bind is refused before anything starts unless allowRemoteApi says it is meant.
    expect(remote.code, remote.stderr).toBe(2);
    expect(remote.stderr).toContain(
      'invalid config key "host" (from VOICESYNC_HOST): 0.0.0.0 is not a loopback',
    );
    expect(inUse.code, inUse.stderr).toBe(2);
    expect(inUse.stderr.trim()).toBe(
      `voicesync: cannot listen on 127.0.0.1:${port}: address already in use (EADDRINUSE)`,
    );
    expect(badHost.code, badHost.stderr).toBe(2);
    expect(badHost.stderr.trim()).toMatch(
      /^voicesync: cannot listen on 999\.1\.1\.1:0: .+ \((ENOTFOUND|EAI_AGAIN)\)$/,
    );
    for (const result of [inUse, badHost]) expect(result.stdout).not.toContain('listening');
  });

  it('closes the database it opened before failing', async () => {
    const start = startAgent({ port, db: join(dir, 'in-process.db') });
    await expect(start).rejects.toMatchObject({ code: 'invalid_config' });
    const agent = opened.at(-1);
    expect(agent?.store.path).toBe(join(dir, 'in-process.db'));
    await expect(agent?.store.client.execute('SELECT 1')).rejects.toThrow(/not open/);
  });
});
