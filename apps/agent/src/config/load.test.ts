import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configFromEnv, loadConfig, resolveConfig } from './index.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'voicesync-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string, mode = 0o600): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  chmodSync(path, mode);
  return path;
}

const message = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
};

describe('loadConfig', () => {
  it('layers defaults < file < environment < flags, merging nested objects key by key', () => {
    const file = write(
      'agent.json',
      JSON.stringify({ port: 1111, breaker: { openMs: 5000 }, db: 'data/agent.db' }),
    );
    const config = loadConfig({
      file,
      env: { VOICESYNC_PORT: '2222', VOICESYNC_BREAKER_FAILURE_THRESHOLD: '7', VOICESYNC_DASHBOARD: 'false' },
      flags: { port: 3333 },
    });
    expect(config.port).toBe(3333);
    expect(config.breaker).toMatchObject({ openMs: 5000, failureThreshold: 7, successThreshold: 2 });
    expect(config.dashboard).toBe(false);
    expect(config.db).toBe(join(dir, 'data/agent.db'));
    expect(config.metricsIntervalMs).toBe(10_000);
  });

  it('names the bad key and where it came from', () => {
    const file = write('bad.json', JSON.stringify({ breaker: { openMs: -1 } }));
    expect(message(() => loadConfig({ file, env: {} }))).toMatch(
      /^invalid config key "breaker.openMs" \(from config file .*bad\.json\)/,
    );
    expect(message(() => loadConfig({ env: { VOICESYNC_PORT: 'abc' } }))).toContain(
      'invalid config key "port" (from VOICESYNC_PORT)',
    );
    const unknown = write('unknown.json', JSON.stringify({ priorityLimits: { URGENT: 1 } }));
    expect(message(() => loadConfig({ file: unknown, env: {} }))).toContain('"priorityLimits.URGENT"');
    expect(message(() => loadConfig({ file: write('x.json', '[1]'), env: {} }))).toContain('one JSON object');
  });

  it('refuses a token in the config file and reads tokenFile only when it is private', () => {
    const withToken = write('token.json', JSON.stringify({ token: 'abc' }));
    expect(message(() => loadConfig({ file: withToken, env: {} }))).toContain('invalid config key "token"');
    const open = write('open-token', 'secret-value\n', 0o640);
    const refused = message(() => loadConfig({ env: { VOICESYNC_TOKEN_FILE: open } }));
    expect(refused).toContain('mode 0640');
    expect(refused).not.toContain('secret-value');
    const private0600 = write('token', 'secret-value\n');
    expect(loadConfig({ env: { VOICESYNC_TOKEN_FILE: private0600 } }).token).toBe('secret-value');
    expect(
      loadConfig({ env: { VOICESYNC_TOKEN_FILE: private0600, VOICESYNC_TOKEN: 'explicit' } }).token,
    ).toBe('explicit');
    expect(message(() => loadConfig({ env: { VOICESYNC_TOKEN_FILE: join(dir, 'missing') } }))).toContain(
      'ENOENT',
    );
  });

  it('takes the file from VOICESYNC_CONFIG', () => {
    const file = write('env.json', JSON.stringify({ port: 4444 }));
    expect(loadConfig({ env: { VOICESYNC_CONFIG: file } }).port).toBe(4444);
  });
});

describe('environment variables', () => {
  it('exist for every option, nested ones included, and parse their types', () => {
    expect(
      configFromEnv({
        VOICESYNC_PRIORITY_LIMITS_LOW: '7',
        VOICESYNC_SPEAKER_THRESHOLDS: '{"a":0.5}',
        VOICESYNC_ALLOWED_HOSTS: 'voicebox.lan, Metrics.Example ,',
      }),
    ).toEqual({
      priorityLimits: { LOW: 7 },
      speakerThresholds: { a: 0.5 },
      allowedHosts: ['voicebox.lan', 'Metrics.Example'],
    });
    expect(resolveConfig(configFromEnv({ VOICESYNC_SOCKET: '/tmp/agent.sock' })).socketPath).toBe(
      '/tmp/agent.sock',
    );
  });
});
