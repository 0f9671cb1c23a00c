// Finds the PostgreSQL server binaries and the unprivileged user that must run them under root.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const debianRoot = '/usr/lib/postgresql';

function hasInitdb(dir: string): boolean {
  return existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'));
}

function pgConfigBindir(): string | undefined {
  try {
    return execFileSync('pg_config', ['--bindir'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

function highestDebianBindir(): string | undefined {
  if (!existsSync(debianRoot)) return undefined;
  const versions = readdirSync(debianRoot)
    .filter((name) => /^\d+(\.\d+)?$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  return versions.map((version) => join(debianRoot, version, 'bin')).find(hasInitdb);
}

/**
 * The directory holding `initdb` and `postgres`: `$PG_BIN`, else `pg_config --bindir`, else the
 * highest `/usr/lib/postgresql/<version>/bin`; undefined when none has them.
 * A `PG_BIN` that lacks the binaries is an error rather than a silent fallback to PGlite.
 */
export function findPgBinDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.PG_BIN) {
    if (!hasInitdb(env.PG_BIN)) throw new Error(`PG_BIN=${env.PG_BIN} has no initdb/postgres binaries`);
    return env.PG_BIN;
  }
  const fromPgConfig = pgConfigBindir();
  if (fromPgConfig && hasInitdb(fromPgConfig)) return fromPgConfig;
  return highestDebianBindir();
}

export interface ServerUser {
  name: string;
  uid: number;
  gid: number;
}

function lookupUser(name: string): ServerUser | undefined {
  try {
    const id = (flag: string) =>
      Number(execFileSync('id', [flag, name], { encoding: 'utf8', stdio: 'pipe' }));
    return { name, uid: id('-u'), gid: id('-g') };
  } catch {
    return undefined;
  }
}

/**
 * The user that runs initdb/postgres: undefined when we are not root (run as ourselves);
 * under root `postgres` (created by Debian's server package), else `nobody`, because both
 * programs refuse to run as root.
 */
export function serverUser(): ServerUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const user = lookupUser('postgres') ?? lookupUser('nobody');
  if (!user) throw new Error('running as root, but neither a "postgres" nor a "nobody" user exists');
  return user;
}

/** The argv that runs `bin args...` as `user` (via runuser) or directly when user is undefined. */
export function commandAs(user: ServerUser | undefined, bin: string, args: string[]): [string, string[]] {
  return user ? ['runuser', ['-u', user.name, '--', bin, ...args]] : [bin, args];
}
