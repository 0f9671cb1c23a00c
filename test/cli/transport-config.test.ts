// Issue 12, item 4 (agent side): an http:// edge on another host (the token in clear), ftp:// and file:// edge URLs
// and a 0.0.0.0 bind all passed `config check`. Now each is refused naming the key, unless a setting says it is meant.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../apps/agent/src/config/index.ts';
import { runCli } from './run-cli.ts';

const refusal = (env: Record<string, string>) => {
  try {
    loadConfig({ env });
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
};

describe('cleartext only on loopback', () => {
  it('refuses edge URLs that are not https:// off loopback, and other schemes everywhere', () => {
    for (const url of [
      'http://edge.example.com',
      'http://192.0.2.10:8787',
      'ftp://edge.example.com',
      'file:///etc/passwd',
    ]) {
      expect(refusal({ VOICESYNC_EDGE_URL: url }), url).toMatch(
        /^invalid config key "edgeUrl" \(from VOICESYNC_EDGE_URL\)/,
      );
    }
    expect(refusal({ VOICESYNC_EDGE_URL: 'ftp://localhost' })).toContain('scheme ftp: is not supported');
    for (const url of [
      'https://edge.example.com',
      'http://127.0.0.1:8787',
      'http://localhost:8787',
      'http://[::1]:8787',
    ]) {
      expect(refusal({ VOICESYNC_EDGE_URL: url }), url).toBeUndefined();
    }
  });

  it('accepts cleartext to another host only with allowInsecureEdge (the subject of this test)', () => {
    expect(
      refusal({ VOICESYNC_EDGE_URL: 'http://edge.example.com', VOICESYNC_ALLOW_INSECURE_EDGE: 'true' }),
    ).toBeUndefined();
    expect(
      refusal({ VOICESYNC_EDGE_URL: 'ftp://edge.example.com', VOICESYNC_ALLOW_INSECURE_EDGE: 'true' }),
    ).toContain('is not supported');
  });

  it('binds beyond loopback only with allowRemoteApi (the subject of this test), and never without the key', () => {
    expect(refusal({ VOICESYNC_HOST: '0.0.0.0' })).toContain('invalid config key "host"');
    expect(refusal({ VOICESYNC_HOST: '0.0.0.0', VOICESYNC_ALLOW_REMOTE_API: 'true' })).toBeUndefined();
    expect(
      refusal({
        VOICESYNC_HOST: '0.0.0.0',
        VOICESYNC_ALLOW_REMOTE_API: 'true',
        VOICESYNC_ALLOW_UNAUTHENTICATED: 'true',
      }),
    ).toContain('invalid config key "allowUnauthenticated"');
  });

  it('config check exits 2 naming the key for an ftp:// or a remote http:// edge', async () => {
    const [ftp, http, https] = await Promise.all([
      runCli(['config', 'check'], { env: { VOICESYNC_EDGE_URL: 'ftp://edge.example.com' } }),
      runCli(['config', 'check'], { env: { VOICESYNC_EDGE_URL: 'http://edge.example.com' } }),
      runCli(['config', 'check'], {
        env: { VOICESYNC_EDGE_URL: 'https://edge.example.com', VOICESYNC_API_KEY: 'k'.repeat(43) },
      }),
    ]);
    expect(ftp.code).toBe(2);
    expect(ftp.stderr).toContain('invalid config key "edgeUrl"');
    expect(http.code).toBe(2);
    expect(http.stderr).toContain('in clear');
    expect(https.code, https.stderr).toBe(0);
    expect(https.stdout).toContain('"apiKey": "[set]"');
    expect(https.stdout).not.toContain('k'.repeat(43));
  });
});
