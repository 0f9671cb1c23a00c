// Runs the Python (standard library) example of docs/agent-api.md against a live agent, so the docs cannot rot.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent } from '../harness/index.ts';

const python = spawnSync('python3', ['--version']).status === 0;
const doc = readFileSync(fileURLToPath(new URL('../../docs/agent-api.md', import.meta.url)), 'utf8');
const snippet = /<!-- python-example:start -->\s*```python\n([\s\S]*?)```/.exec(doc)?.[1];

describe.skipIf(!python)('docs/agent-api.md Python example', () => {
  let agent: Awaited<ReturnType<typeof startAgent>>;
  beforeAll(async () => {
    agent = await startAgent({});
  });
  afterAll(async () => {
    await agent?.stop();
  });

  it('enrols, verifies and rejects a stranger against a live agent', () => {
    expect(snippet).toBeDefined();
    const out = execFileSync('python3', ['-c', snippet ?? ''], {
      // The snippet reads the key file the agent wrote, as a pipeline on the same machine would.
      env: { ...process.env, VOICESYNC_AGENT_URL: agent.url, VOICESYNC_API_KEY_FILE: agent.apiKeyPath },
      encoding: 'utf8',
    });
    expect(out).toContain('verified');
    expect(out).toContain('stranger rejected');
  });
});
