// Issue 12, item 5: `voicesync device rotate` against the real edge and PostgreSQL: a new token,
// the old one refused after the grace period (0 here: the subject of the test), expiry on request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, call } from '../../apps/edge/test/edge-client.ts';
import { runCli } from '../cli/run-cli.ts';
import type { EdgeHandle } from '../harness/index.ts';
import type { Sql } from '../support/index.ts';
import { type Stack, startStack } from '../support/stack.ts';

let stack: Stack;
let sql: Sql;
let edge: EdgeHandle;

beforeAll(async () => {
  stack = await startStack({ vars: { ADMIN_TOKEN } });
  ({ sql, edge } = stack);
}, 180_000);

afterAll(() => stack?.destroy());

describe('voicesync device rotate', () => {
  it('prints a new token that works; with --grace 0 the old one is refused at once', async () => {
    const env = { VOICESYNC_ADMIN_TOKEN: ADMIN_TOKEN, VOICESYNC_EDGE_URL: edge.url };
    const added = await runCli(['device', 'add', '--tenant', 'home', '--expires-in', '86400'], { env });
    expect(added.code, added.stderr).toBe(0);
    const device = JSON.parse(added.stdout) as { deviceId: string; token: string; expiresAt: string };
    expect(Date.parse(device.expiresAt)).toBeGreaterThan(Date.now());
    expect((await call(edge, 'GET', '/v1/device', { token: device.token })).status).toBe(200);

    const rotated = await runCli(['device', 'rotate', device.deviceId, '--grace', '0'], { env });
    expect(rotated.code, rotated.stderr).toBe(0);
    const fresh = JSON.parse(rotated.stdout) as { deviceId: string; token: string };
    expect(fresh.deviceId).toBe(device.deviceId);
    expect(fresh.token).not.toBe(device.token);
    expect((await call(edge, 'GET', '/v1/device', { token: device.token })).status).toBe(401);
    expect((await call(edge, 'GET', '/v1/device', { token: fresh.token })).status).toBe(200);
    // The secret itself never reaches PostgreSQL, only its hash (the old one kept for the grace).
    const [row] = await sql<{ secret_hash: string; previous_secret_hash: string }[]>`
      select secret_hash, previous_secret_hash from devices where id = ${device.deviceId}`;
    expect(row?.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.previous_secret_hash).not.toBe(row?.secret_hash);
  });

  it('refuses a grace that is not whole seconds, before calling the edge', async () => {
    const env = { VOICESYNC_ADMIN_TOKEN: ADMIN_TOKEN, VOICESYNC_EDGE_URL: edge.url };
    const result = await runCli(['device', 'rotate', 'dev_0123456789abcdef', '--grace', '1h'], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--grace takes whole seconds');
  });
});
