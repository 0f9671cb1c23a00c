// Issue 2: `npm start` (voicesync dev) runs the whole system on embedded defaults and stops cleanly.
import { createServer } from 'node:net';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { type DevHandle, freePort, rememberAgentKey, spawnDev, startPostgres } from '../harness/index.ts';
import { agentStatus, eventually, putProfile, randomVector } from '../support/index.ts';

describe('npm start', () => {
  const devs: DevHandle[] = [];
  afterAll(async () => {
    for (const dev of devs) await dev.destroy();
  });

  it('serves /health within 60 s, a PUT reaches the embedded Postgres, Ctrl-C stops everything', async () => {
    const dev = await spawnDev();
    devs.push(dev);
    const { child, output, exited, url, dir } = dev;
    const { edgePort, pgPort } = dev.ports;

    await eventually(async () => (await fetch(`${url}/health`)).ok, 60_000, 250);
    // Printed once the agent listens, but the pipe may deliver it after /health answered.
    await eventually(async () => output.join('').includes(`agent ready at ${url}`), 10_000, 50);
    expect(output.join('')).toContain('curl -s -X PUT');

    const demoPath = join(dir, 'demo.json');
    expect(statSync(demoPath).mode & 0o777).toBe(0o600);
    const demo = JSON.parse(readFileSync(demoPath, 'utf8')) as {
      edgeUrl: string;
      tenantId: string;
      adminToken: string;
    };
    expect(demo.edgeUrl).toBe(`http://127.0.0.1:${edgePort}`);

    // The agent's key: alone on one line in .voicesync/api-key, 0600; without it every route but /health is 401.
    const keyPath = join(dir, 'api-key');
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    const keyText = readFileSync(keyPath, 'utf8');
    expect(keyText).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
    expect(output.join('')).toContain(`API key in ${keyPath}`);
    const locked = await fetch(`${url}/v1/status`);
    expect(locked.status).toBe(401);
    expect(((await locked.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    rememberAgentKey(url, keyText.trim());

    const response = await putProfile(url, 'npm-start', {
      name: 'Start',
      embedding: randomVector(1),
      priority: 'CRITICAL',
    });
    const { contentHash } = (await response.json()) as { contentHash: string };
    await eventually(async () => (await agentStatus(url)).outbox.pending === 0, 30_000);
    const pgPassword = readFileSync(join(dir, 'pg-password'), 'utf8').trim();
    const sql = postgres(`postgres://postgres:${pgPassword}@127.0.0.1:${pgPort}/postgres?sslmode=disable`, {
      max: 1,
      onnotice: () => {},
    });
    try {
      const rows = await sql<
        { content_hash: string }[]
      >`SELECT content_hash FROM profiles WHERE tenant_id = ${demo.tenantId} AND speaker_id = 'npm-start'`;
      expect(rows[0]?.content_hash).toBe(contentHash);
    } finally {
      await sql.end({ timeout: 1 });
    }

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${edgePort}/health`)).rejects.toThrow();
    // Nothing of its tree (edge runner, workerd pair) outlives it, not even re-parented to PID 1.
    expect(await dev.settledLeftovers()).toEqual([]);
  });

  it('runs against a DATABASE_URL without a password (a trust-auth server), PUT included', async () => {
    // miniflare's local Hyperdrive proxy hung every request of the Worker when handed such a URL.
    const server = await startPostgres();
    const databaseUrl = new URL(server.url);
    databaseUrl.password = '';
    const dev = await spawnDev({ databaseUrl: databaseUrl.toString() });
    const { url } = dev;
    try {
      await eventually(async () => (await fetch(`${url}/health`)).ok, 60_000, 250);
      await eventually(async () => (await fetch(`${dev.edgeUrl}/health`)).ok, 10_000, 250);
      rememberAgentKey(url, readFileSync(join(dev.dir, 'api-key'), 'utf8').trim());
      const response = await putProfile(url, 'by-url', { name: 'Url', embedding: randomVector(2) });
      const { contentHash } = (await response.json()) as { contentHash: string };
      await eventually(async () => (await agentStatus(url)).outbox.pending === 0, 30_000);
      const sql = postgres(server.url, { max: 1, onnotice: () => {} });
      try {
        const rows = await sql<{ content_hash: string }[]>`
          SELECT content_hash FROM profiles WHERE speaker_id = 'by-url'`;
        expect(rows[0]?.content_hash).toBe(contentHash);
      } finally {
        await sql.end({ timeout: 1 });
      }
      dev.child.kill('SIGINT');
      expect(await dev.exited).toBe(0);
      expect(await dev.settledLeftovers()).toEqual([]);
    } finally {
      await dev.destroy();
      await server.destroy();
    }
  });

  it('exits 2 naming the taken agent port, and stops the edge and PostgreSQL it had started', async () => {
    const port = await freePort();
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(port, '127.0.0.1', resolve));
    const dev = await spawnDev({ ports: { port } });
    const { edgePort } = dev.ports;
    try {
      expect(await dev.exited).toBe(2);
      expect(dev.output.join('')).toContain(`cannot listen on 127.0.0.1:${port}: address already in use`);
      await expect(fetch(`http://127.0.0.1:${edgePort}/health`)).rejects.toThrow();
      const probe = postgres({
        host: '127.0.0.1',
        port: dev.ports.pgPort,
        connect_timeout: 2,
        onnotice: () => {},
      });
      await expect(probe`select 1`).rejects.toThrow();
      await probe.end({ timeout: 0 });
      expect(await dev.settledLeftovers()).toEqual([]);
    } finally {
      await dev.destroy();
      taken.close();
    }
  });
});
