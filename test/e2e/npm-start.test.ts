// Issue 2: `npm start` (voicesync dev) runs the whole system on embedded defaults and stops cleanly.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, repoPath, tempDir } from '../harness/index.ts';
import { agentStatus, eventually, putProfile, randomVector } from '../support/index.ts';

describe('npm start', () => {
  const dir = tempDir('voicesync-dev-');
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
    dir.remove();
  });

  it('serves /health within 60 s, a PUT reaches the embedded Postgres, Ctrl-C stops everything', async () => {
    const [port, edgePort, pgPort] = [await freePort(), await freePort(), await freePort()];
    const output: string[] = [];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      VOICESYNC_PORT: String(port),
      VOICESYNC_EDGE_PORT: String(edgePort),
      VOICESYNC_PG_PORT: String(pgPort),
    };
    delete env.DATABASE_URL;
    child = spawn(
      process.execPath,
      [repoPath('apps', 'agent', 'bin', 'voicesync.js'), 'dev', '--dir', dir.path],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    for (const stream of [child.stdout, child.stderr])
      stream?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
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

    const response = await putProfile(url, 'npm-start', {
      name: 'Start',
      embedding: randomVector(1),
      priority: 'CRITICAL',
    });
    const { contentHash } = (await response.json()) as { contentHash: string };
    await eventually(async () => (await agentStatus(url)).outbox.pending === 0, 30_000);
    const sql = postgres(`postgres://postgres:postgres@127.0.0.1:${pgPort}/postgres?sslmode=disable`, {
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

  it('exits 2 naming the taken agent port, and stops the edge and PostgreSQL it had started', async () => {
    const [port, edgePort, pgPort] = [await freePort(), await freePort(), await freePort()];
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(port, '127.0.0.1', resolve));
    const failed = tempDir('voicesync-dev-taken-');
    try {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        VOICESYNC_PORT: String(port),
        VOICESYNC_EDGE_PORT: String(edgePort),
        VOICESYNC_PG_PORT: String(pgPort),
      };
      delete env.DATABASE_URL;
      const dev = spawn(
        process.execPath,
        [repoPath('apps', 'agent', 'bin', 'voicesync.js'), 'dev', '--dir', failed.path],
        { env, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const stderr: string[] = [];
      dev.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
      dev.stdout?.resume();
      const code = await new Promise<number | null>((resolve) => dev.once('exit', (c) => resolve(c)));
      expect(code).toBe(2);
      expect(stderr.join('')).toContain(`cannot listen on 127.0.0.1:${port}: address already in use`);
      await expect(fetch(`http://127.0.0.1:${edgePort}/health`)).rejects.toThrow();
      const probe = postgres({ host: '127.0.0.1', port: pgPort, connect_timeout: 2, onnotice: () => {} });
      await expect(probe`select 1`).rejects.toThrow();
      await probe.end({ timeout: 0 });
    } finally {
      taken.close();
      failed.remove();
    }
  });
});
