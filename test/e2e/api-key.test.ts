// Issue 12, item 3: another local user could list speakers and enrol samples into someone's voiceprint
// through the agent's unauthenticated API. Now every route but /health needs the key from a 0600 file.
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.ts';
import { type AgentHandle, startAgent, tempDir } from '../harness/index.ts';
import { randomVector } from '../support/index.ts';

/** Every route of the API, as another local user would probe it. */
const ROUTES: Array<[string, string, unknown?]> = [
  ['GET', '/v1/status'],
  ['GET', '/v1/profiles'],
  ['GET', '/v1/profiles/owner'],
  ['PUT', '/v1/profiles/intruder', { name: 'Intruder', embedding: randomVector(2) }],
  ['POST', '/v1/profiles/owner/samples', { embeddings: [randomVector(3)] }],
  ['DELETE', '/v1/profiles/owner'],
  ['POST', '/v1/verify', { speakerId: 'owner', embedding: randomVector(1) }],
  ['POST', '/v1/identify', { embedding: randomVector(1) }],
  ['PUT', '/v1/cohort', { embeddings: [randomVector(4)] }],
  ['GET', '/v1/outbox?status=all'],
  ['POST', '/v1/outbox/retry'],
  ['POST', '/v1/sync'],
  ['GET', '/metrics'],
  ['GET', '/v1/metrics/history'],
  ['GET', '/'],
  ['GET', '/assets/dashboard.js'],
];

function probe(agent: AgentHandle, [method, path, body]: [string, string, unknown?], key?: string) {
  return fetch(`${agent.url}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

describe('the agent API is locked with a local key', { timeout: 120_000 }, () => {
  const dir = tempDir('api-key');
  let agent: AgentHandle;
  let db: string;
  beforeAll(async () => {
    db = join(dir.path, 'data', 'agent.db');
    // Generous start deadline: this suite restarts the agent, and tsx compiles slowly on a loaded machine.
    agent = await startAgent({ db, readyTimeoutMs: 90_000 });
    const enrolled = await agent.fetch('/v1/profiles/owner/samples', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Owner', embeddings: [randomVector(1)] }),
    });
    expect(enrolled.status).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await agent?.destroy();
    await dir.remove();
  });

  it('keeps the key alone on one line in api-key beside --db, mode 0600, and the same across restarts', async () => {
    const path = join(dir.path, 'data', 'api-key');
    expect(agent.apiKeyPath).toBe(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const text = readFileSync(path, 'utf8');
    expect(text).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
    await agent.restart();
    expect(readFileSync(path, 'utf8')).toBe(text);
    expect(agent.logs.join('\n')).not.toContain(text.trim());
  });

  it('answers /health without a key and 401 on every other route without it or with a wrong one, changing nothing', async () => {
    expect((await fetch(`${agent.url}/health`)).status).toBe(200);
    const wrong = 'x'.repeat(43);
    for (const route of ROUTES) {
      for (const key of [undefined, wrong]) {
        const response = await probe(agent, route, key);
        const body = (await response.json()) as { error?: { code?: string; message?: string } };
        expect({ route: route.slice(0, 2), key, status: response.status }).toEqual({
          route: route.slice(0, 2),
          key,
          status: 401,
        });
        expect(body.error?.code).toBe('unauthorized');
        expect(body.error?.message).toContain(agent.apiKeyPath);
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }
    }
    // Nothing the refused requests tried happened: one speaker, one sample, no intruder.
    const profiles = (await (await agent.fetch('/v1/profiles')).json()) as Array<Record<string, unknown>>;
    expect(profiles).toEqual([expect.objectContaining({ speakerId: 'owner', totalSamples: 1 })]);
    for (const route of ROUTES.filter(([method]) => method === 'GET')) {
      expect((await probe(agent, route, agent.apiKey)).status, route[1]).toBe(200);
    }
  });

  it('the CLI sends VOICESYNC_API_KEY, else reads the key file the agent uses, else gets a clear 401', async () => {
    const flag = ['status', '--json', '--agent', agent.url];
    const elsewhere = tempDir('api-key-cwd');
    try {
      const [byEnv, byDb, byFile, none] = await Promise.all([
        runCli(flag, { env: { VOICESYNC_API_KEY: agent.apiKey ?? '' }, cwd: elsewhere.path }),
        runCli(flag, { env: { VOICESYNC_DB: db }, cwd: elsewhere.path }),
        runCli(flag, { env: { VOICESYNC_API_KEY_FILE: agent.apiKeyPath }, cwd: elsewhere.path }),
        runCli(flag, { cwd: elsewhere.path }),
      ]);
      for (const ok of [byEnv, byDb, byFile]) expect(ok.code, ok.stderr).toBe(0);
      expect(none.code).toBe(1);
      expect(none.stderr).toContain('agent answered 401 unauthorized');
    } finally {
      await elsewhere.remove();
    }
  });

  it('refuses to start on a key file others can read, naming the fix', async () => {
    const loose = tempDir('api-key-loose');
    try {
      mkdirSync(join(loose.path, 'd'));
      writeFileSync(join(loose.path, 'd', 'api-key'), `${'k'.repeat(43)}\n`);
      chmodSync(join(loose.path, 'd', 'api-key'), 0o644);
      const result = await runCli([
        'agent',
        'start',
        '--port',
        '0',
        '--db',
        join(loose.path, 'd', 'agent.db'),
      ]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('mode 0644');
      expect(result.stderr).toContain('chmod 600');
      expect(result.stderr).not.toContain('k'.repeat(43));
    } finally {
      await loose.remove();
    }
  });

  it('with allowUnauthenticated (the subject of this test) answers without a key, writes none, and says so in the log', async () => {
    const open = await startAgent({
      env: { VOICESYNC_ALLOW_UNAUTHENTICATED: 'true' },
      readyTimeoutMs: 90_000,
    });
    try {
      expect((await fetch(`${open.url}/v1/profiles`)).status).toBe(200);
      expect(open.apiKey).toBeUndefined();
      await open.waitForLog('allowUnauthenticated is set');
    } finally {
      await open.destroy();
    }
  });
});
