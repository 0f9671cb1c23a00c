// The real binary's admin commands: devices through the edge admin API, and database migrations.
import { existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent } from '../observability/fixtures.ts';
import { runCli } from './run-cli.ts';

describe('device commands against the edge admin API', () => {
  const ADMIN = 'admin-token-cli-test';
  let server: Server;
  let edge: string;
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(
        `${req.method} ${req.url} ${req.headers.authorization === `Bearer ${ADMIN}` ? 'admin' : 'anonymous'}`,
      );
      res.setHeader('content-type', 'application/json');
      if (req.headers.authorization !== `Bearer ${ADMIN}`) {
        res.statusCode = 401;
        res.end(JSON.stringify({ error: { code: 'unauthorized', message: 'invalid admin token' } }));
      } else if (req.method === 'POST' && req.url === '/v1/admin/devices') {
        res.statusCode = 201;
        res.end(
          JSON.stringify({ deviceId: 'dev_1', tenantId: 'home', name: 'kitchen', token: 'vsd_new-token' }),
        );
      } else if (req.method === 'GET' && req.url === '/v1/admin/devices?tenantId=home') {
        res.end(
          JSON.stringify([
            {
              deviceId: 'dev_1',
              tenantId: 'home',
              name: 'kitchen',
              createdAt: '2026-01-01',
              revokedAt: null,
            },
          ]),
        );
      } else if (req.method === 'POST' && req.url === '/v1/admin/devices/dev_1/revoke') {
        res.end(
          JSON.stringify({ deviceId: 'dev_1', tenantId: 'home', revokedAt: '2026-01-02T00:00:00.000Z' }),
        );
      } else {
        res.statusCode = 404;
        res.end(JSON.stringify({ error: { code: 'not_found', message: 'no route' } }));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    edge = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('adds, lists and revokes devices with the admin token, and fails cleanly without it', async () => {
    const env = { VOICESYNC_ADMIN_TOKEN: ADMIN, VOICESYNC_EDGE_URL: edge };
    const [add, list, revoke, wrong, missing] = await Promise.all([
      runCli(['device', 'add', '--tenant', 'home', '--name', 'kitchen'], { env }),
      runCli(['device', 'list', '--tenant', 'home'], { env }),
      runCli(['device', 'revoke', 'dev_1'], { env }),
      runCli(['device', 'list', '--tenant', 'home', '--edge', edge, '--admin-token', 'wrong']),
      runCli(['device', 'list', '--tenant', 'home', '--edge', edge]),
    ]);
    expect(add.code, add.stderr).toBe(0);
    expect(JSON.parse(add.stdout)).toEqual({ deviceId: 'dev_1', tenantId: 'home', token: 'vsd_new-token' });
    expect(list.stdout).toMatch(/dev_1\s+kitchen\s+active/);
    expect(revoke.stdout.trim()).toBe('revoked dev_1 at 2026-01-02T00:00:00.000Z');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('edge answered 401 unauthorized');
    expect(wrong.stderr).not.toContain('wrong');
    expect(missing.code).toBe(2);
    expect(seen).toContain('POST /v1/admin/devices admin');
    expect(seen).toContain('POST /v1/admin/devices/dev_1/revoke admin');
  });
});

describe('db migrate', () => {
  it('exits 3 when PostgreSQL cannot be reached, naming the reason and never the password', async () => {
    const result = await runCli(['db', 'migrate', '--url', 'postgres://app:s3cret-pw@127.0.0.1:9/voicesync']);
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr.trim()).toBe('voicesync: PostgreSQL at 127.0.0.1:9/voicesync: ECONNREFUSED');
    expect(result.stderr).not.toContain('s3cret-pw');
  });

  it('migrates a local agent database (mode 0600) and needs a target', async () => {
    const scratch = await startTestAgent();
    try {
      const file = join(scratch.dir, 'fresh', 'agent.db');
      const [migrated, noTarget] = await Promise.all([
        runCli(['db', 'migrate', '--agent-db', file]),
        runCli(['db', 'migrate']),
      ]);
      expect(migrated.code, migrated.stderr).toBe(0);
      expect(migrated.stdout).toContain('schema up to date');
      expect(existsSync(file)).toBe(true);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(noTarget.code).toBe(2);
    } finally {
      await scratch.close();
    }
  });
});
