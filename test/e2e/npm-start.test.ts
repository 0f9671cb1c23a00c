// Issue 2: `npm start` (voicesync dev) runs the whole system on embedded defaults and stops cleanly.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, rememberAgentKey, repoPath, startPostgres, tempDir } from '../harness/index.ts';
import { agentStatus, eventually, putProfile, randomVector } from '../support/index.ts';

/** Free ports for the agent, the edge and PostgreSQL. */
async function devPorts(): Promise<{ port: number; edgePort: number; pgPort: number }> {
  return { port: await freePort(), edgePort: await freePort(), pgPort: await freePort() };
}

/** `voicesync dev` on those ports, embedded PostgreSQL (no DATABASE_URL), stdout and stderr collected. */
function spawnDev(
  dir: string,
  ports: { port: number; edgePort: number; pgPort: number },
  databaseUrl?: string,
) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    VOICESYNC_PORT: String(ports.port),
    VOICESYNC_EDGE_PORT: String(ports.edgePort),
    VOICESYNC_PG_PORT: String(ports.pgPort),
  };
  delete env.DATABASE_URL;
  if (databaseUrl !== undefined) env.DATABASE_URL = databaseUrl;
  const child = spawn(
    process.execPath,
    [repoPath('apps', 'agent', 'bin', 'voicesync.js'), 'dev', '--dir', dir],
    {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr])
    stream?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output, exited };
}

describe('npm start', () => {
  const dir = tempDir('voicesync-dev-');
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
    dir.remove();
  });

  it('serves /health within 60 s, a PUT reaches the embedded Postgres, Ctrl-C stops everything', async () => {
    const ports = await devPorts();
    const { port, edgePort, pgPort } = ports;
    const dev = spawnDev(dir.path, ports);
    child = dev.child;
    const { output, exited } = dev;
    const url = `http://127.0.0.1:${port}`;

    await eventually(async () => (await fetch(`${url}/health`)).ok, 60_000, 250);
    // Printed once the agent listens, but the pipe may deliver it after /health answered.
    await eventually(async () => output.join('').includes(`agent ready at ${url}`), 10_000, 50);
    expect(output.join('')).toContain('curl -s -X PUT');

    const demoPath = join(dir.path, 'demo.json');
    expect(statSync(demoPath).mode & 0o777).toBe(0o600);
    const demo = JSON.parse(readFileSync(demoPath, 'utf8')) as {
      edgeUrl: string;
      tenantId: string;
      adminToken: string;
    };
    expect(demo.edgeUrl).toBe(`http://127.0.0.1:${edgePort}`);

    // The agent's key: alone on one line in .voicesync/api-key, 0600; without it every route but /health is 401.
    const keyPath = join(dir.path, 'api-key');
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
    const pgPassword = readFileSync(join(dir.path, 'pg-password'), 'utf8').trim();
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
  });

  it('runs against a DATABASE_URL without a password (a trust-auth server), PUT included', async () => {
    // miniflare's local Hyperdrive proxy hung every request of the Worker when handed such a URL.
    const server = await startPostgres();
    const started = tempDir('voicesync-dev-url-');
    const ports = await devPorts();
    const url = `http://127.0.0.1:${ports.port}`;
    const databaseUrl = new URL(server.url);
    databaseUrl.password = '';
    const dev = spawnDev(started.path, ports, databaseUrl.toString());
    try {
      await eventually(async () => (await fetch(`${url}/health`)).ok, 60_000, 250);
      await eventually(
        async () => (await fetch(`http://127.0.0.1:${ports.edgePort}/health`)).ok,
        10_000,
        250,
      );
      rememberAgentKey(url, readFileSync(join(started.path, 'api-key'), 'utf8').trim());
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
    } finally {
      dev.child.kill('SIGKILL');
      started.remove();
      await server.destroy();
    }
  });

  it('exits 2 naming the taken agent port, and stops the edge and PostgreSQL it had started', async () => {
    const ports = await devPorts();
    const { port, edgePort } = ports;
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(port, '127.0.0.1', resolve));
    const failed = tempDir('voicesync-dev-taken-');
    const dev = spawnDev(failed.path, ports);
    try {
      expect(await dev.exited).toBe(2);
      expect(dev.output.join('')).toContain(`cannot listen on 127.0.0.1:${port}: address already in use`);
      await expect(fetch(`http://127.0.0.1:${edgePort}/health`)).rejects.toThrow();
      const probe = postgres({
        host: '127.0.0.1',
        port: ports.pgPort,
        connect_timeout: 2,
        onnotice: () => {},
      });
      await expect(probe`select 1`).rejects.toThrow();
      await probe.end({ timeout: 0 });
    } finally {
      dev.child.kill('SIGKILL');
      taken.close();
      failed.remove();
    }
  });
});
