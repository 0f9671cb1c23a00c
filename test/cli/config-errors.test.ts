// The real binary with bad configuration: exit 2 and a message naming the key and its source, never a start.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, type TestAgent } from '../observability/fixtures.ts';
import { runCli } from './run-cli.ts';

describe('configuration errors', () => {
  let dir: string;
  let scratch: TestAgent;
  beforeAll(async () => {
    scratch = await startTestAgent();
    dir = scratch.dir;
  });
  afterAll(() => scratch.close());

  const file = (name: string, content: string, mode = 0o600) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    chmodSync(path, mode);
    return path;
  };

  it('exits 2 naming the bad key, its source, and never starts the agent', async () => {
    const [badValue, unknown, nested, env, token, readable, json] = await Promise.all([
      runCli(['agent', 'start', '--config', file('port.json', '{"port": 70000}')]),
      runCli(['agent', 'start', '--config', file('unknown.json', '{"prot": 7420}')]),
      runCli(['agent', 'start', '--config', file('nested.json', '{"breaker": {"openMss": 5}}')]),
      runCli(['agent', 'start'], { env: { VOICESYNC_BREAKER_OPEN_MS: 'soon' } }),
      runCli(['agent', 'start', '--config', file('token.json', '{"token": "s3cret-in-file"}')]),
      runCli(['agent', 'start'], { env: { VOICESYNC_TOKEN_FILE: file('token', 'device-secret\n', 0o644) } }),
      runCli(['config', 'check', '--config', file('broken.json', '{"port": ')]),
    ]);
    for (const result of [badValue, unknown, nested, env, token, readable, json]) {
      expect(result.code, result.stderr).toBe(2);
      expect(result.stdout).not.toContain('listening');
    }
    expect(badValue.stderr).toMatch(/invalid config key "port" \(from config file .*port\.json\)/);
    expect(unknown.stderr).toContain('invalid config key "prot"');
    expect(nested.stderr).toContain('invalid config key "breaker.openMss"');
    expect(env.stderr).toContain('invalid config key "breaker.openMs" (from VOICESYNC_BREAKER_OPEN_MS)');
    expect(token.stderr).toContain('invalid config key "token"');
    expect(token.stderr).not.toContain('s3cret-in-file');
    expect(readable.stderr).toMatch(/invalid config key "tokenFile": .* mode 0644.*chmod 600/);
    expect(readable.stderr).not.toContain('device-secret');
    expect(json.stderr).toContain('not valid JSON');
  });

  it('exits 2 on a usage error and 0 on a valid configuration, with the token masked', async () => {
    const [usage, ok] = await Promise.all([
      runCli(['status', '--no-such-flag']),
      runCli(['config', 'check'], {
        env: { VOICESYNC_TOKEN_FILE: file('good-token', 'tok-0600\n'), VOICESYNC_PORT: '7555' },
      }),
    ]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("unknown option '--no-such-flag'");
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ port: 7555, token: '[set]' });
    expect(ok.stdout).not.toContain('tok-0600');
  });
});
