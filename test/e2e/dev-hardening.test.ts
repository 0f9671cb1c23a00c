// Issue 12, item 6 (agent side): the embedded PostgreSQL of `npm start` took any user and password from any local
// account, workerd's inspector was open, and a SIGKILLed `voicesync dev` left wrangler and workerd serving.
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { type DevHandle, spawnDev } from '../harness/index.ts';
import { eventually } from '../support/index.ts';

/** Every process below `root` (by parent pid, from /proc). */
function descendants(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parents) {
      if (parent !== pid) continue;
      found.push(child);
      walk(child);
    }
  };
  walk(root);
  return found;
}

/** TCP ports in LISTEN state whose sockets belong to `pids`. */
function listeningPorts(pids: number[]): number[] {
  const inodes = new Set<string>();
  for (const pid of pids) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
        if (inode) inodes.add(inode);
      }
    } catch {
      // exited or not ours to read
    }
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === '0A' && inodes.has(cols[9] ?? ''))
        ports.push(Number.parseInt(cols[1]?.split(':')[1] ?? '0', 16));
    }
  }
  return [...new Set(ports)];
}

describe('voicesync dev hardening', { timeout: 240_000 }, () => {
  let dev: DevHandle | undefined;
  afterAll(() => dev?.destroy());

  it('needs the generated PostgreSQL password, keeps the inspector closed, and takes its children along when SIGKILLed', async () => {
    dev = await spawnDev();
    const { edgePort, pgPort } = dev.ports;
    await eventually(async () => (await fetch(`${dev?.url}/health`)).ok, 150_000, 500);

    const password = readFileSync(join(dev.dir, 'pg-password'), 'utf8');
    expect(statSync(join(dev.dir, 'pg-password')).mode & 0o777).toBe(0o600);
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}\n$/);
    const connect = async (pw: string) => {
      const sql = postgres({
        host: '127.0.0.1',
        port: pgPort,
        user: 'postgres',
        password: pw,
        database: 'postgres',
        max: 1,
        onnotice: () => {},
      });
      try {
        return (await sql`select 1 as one`)[0]?.one;
      } catch (error) {
        return (error as { code?: string }).code;
      } finally {
        await sql.end({ timeout: 1 });
      }
    };
    expect(await connect('postgres')).toBe('28P01');
    expect(await connect('')).toBe('28P01');
    expect(await connect(password.trim())).toBe(1);

    // No process of dev listens with a DevTools endpoint (the inspector answers /json/version).
    const children = descendants(dev.child.pid ?? 0);
    expect(children.length).toBeGreaterThan(0);
    const ports = listeningPorts(children);
    expect(ports).toContain(edgePort);
    for (const candidate of ports) {
      const answer = await fetch(`http://127.0.0.1:${candidate}/json/version`).catch(() => undefined);
      const text = answer ? await answer.text() : '';
      expect(text, `port ${candidate}`).not.toContain('webSocketDebuggerUrl');
    }

    // Its edge runner sees the IPC channel close and stops workerd; nothing of the tree survives,
    // re-parented orphans included (they carry the tree's mark in their environment).
    dev.child.kill('SIGKILL');
    await dev.exited;
    expect(await dev.settledLeftovers(30_000)).toEqual([]);
    await expect(fetch(`http://127.0.0.1:${edgePort}/health`)).rejects.toThrow();
  });
});
