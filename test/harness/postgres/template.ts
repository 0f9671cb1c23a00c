// initdb is the slowest part of starting a cluster (1–3 s on this machine); it runs once per
// machine, binaries and user into a cached template that each new cluster copies (~0.3–0.8 s).
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { chown, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cacheRoot, shortHash } from '../cache-dir/index.ts';
import { commandAs, type ServerUser } from './binaries.ts';

const run = promisify(execFile);

async function initdb(
  binDir: string,
  user: ServerUser | undefined,
  dataDir: string,
  cwd: string,
): Promise<void> {
  const args = ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'];
  const [command, argv] = commandAs(user, join(binDir, 'initdb'), args);
  try {
    await run(command, argv, { cwd });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`initdb failed: ${stderr.trim()}`, { cause: error });
  }
}

async function templateFor(binDir: string, user: ServerUser | undefined): Promise<string> {
  // The initdb binary's mtime changes with a package upgrade, which invalidates the template.
  const key = shortHash(
    `${binDir}\0${statSync(join(binDir, 'initdb')).mtimeMs}\0${user?.name ?? process.getuid?.()}`,
  );
  const template = join(cacheRoot, `pg-template-${key}`);
  if (existsSync(join(template, 'data', 'PG_VERSION'))) return template;
  const staging = `${template}.staging-${process.pid}-${Date.now()}`;
  await mkdir(staging, { recursive: true });
  try {
    if (user) await chown(staging, user.uid, user.gid);
    await initdb(binDir, user, join(staging, 'data'), staging);
    // Concurrent test processes may race to create it; the first rename wins, the rest discard.
    await rename(staging, template).catch(() => rm(staging, { recursive: true, force: true }));
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  return template;
}

/**
 * Creates a fresh, never-started cluster at `dataDir` (owned by `user`), as `initdb -A trust
 * -U postgres --locale=C -E UTF8` would, by copying the cached template.
 */
export async function createCluster(
  binDir: string,
  user: ServerUser | undefined,
  dataDir: string,
): Promise<void> {
  const template = await templateFor(binDir, user);
  // cp -a keeps owner and the 0700 mode that postgres insists on.
  await run('cp', ['-a', join(template, 'data'), dataDir]);
}
