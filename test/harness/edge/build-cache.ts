// Remembers Worker builds across test processes in $TMPDIR, valid while their inputs are.
//
// An entry records the config's content hash and the size and mtime of every file esbuild
// read (from wrangler's --metafile). It is reused only when all of them still match, so
// edits elsewhere in the repository (another app, tests) do not force a rebuild.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { cacheRoot, shortHash } from '../cache-dir/index.ts';

type FileStamp = [path: string, size: number, mtimeMs: number];

interface Stamp {
  configPath: string;
  configHash: string;
  files: FileStamp[];
}

function configHash(configPath: string): string {
  return createHash('sha256').update(readFileSync(configPath)).digest('hex');
}

function stampOf(path: string): FileStamp | undefined {
  try {
    const stat = statSync(path);
    return [path, stat.size, stat.mtimeMs];
  } catch {
    return undefined;
  }
}

function readStamp(entry: string): Stamp | undefined {
  try {
    return JSON.parse(readFileSync(join(entry, 'inputs.json'), 'utf8')) as Stamp;
  } catch {
    return undefined;
  }
}

function isCurrent(stamp: Stamp): boolean {
  if (!existsSync(stamp.configPath) || configHash(stamp.configPath) !== stamp.configHash) return false;
  return stamp.files.every(([path, size, mtimeMs]) => {
    const now = stampOf(path);
    return now !== undefined && now[1] === size && now[2] === mtimeMs;
  });
}

/** Cache directory prefix for one config file. */
export function entryPrefix(configPath: string): string {
  return `edge-${shortHash(configPath)}-`;
}

/** A complete, still valid cache entry for `configPath`, if any. */
export function findCurrentEntry(configPath: string): string | undefined {
  if (!existsSync(cacheRoot)) return undefined;
  const prefix = entryPrefix(configPath);
  return readdirSync(cacheRoot)
    .filter((name) => name.startsWith(prefix) && !name.includes('.staging-'))
    .map((name) => join(cacheRoot, name))
    .find((entry) => {
      const stamp = readStamp(entry);
      return stamp !== undefined && isCurrent(stamp);
    });
}

/**
 * Writes `inputs.json` into a freshly built entry. `metafilePath` is esbuild's metafile, whose
 * input paths are relative to `configDir`; virtual inputs (no file) are left out.
 */
export async function writeStamp(
  entry: string,
  configPath: string,
  configDir: string,
  metafilePath: string,
): Promise<void> {
  const meta = JSON.parse(readFileSync(metafilePath, 'utf8')) as { inputs: Record<string, unknown> };
  const files = Object.keys(meta.inputs)
    .map((input) => stampOf(resolve(configDir, input)))
    .filter((stamp): stamp is FileStamp => stamp !== undefined);
  const stamp: Stamp = { configPath, configHash: configHash(configPath), files };
  await writeFile(join(entry, 'inputs.json'), JSON.stringify(stamp));
}

/** Deletes entries that can never be used again: outdated ones, or ones whose config is gone. */
export async function pruneEntries(keep: string): Promise<void> {
  const stale = readdirSync(cacheRoot)
    .filter((name) => name.startsWith('edge-') && !name.includes('.staging-'))
    .map((name) => join(cacheRoot, name))
    .filter((entry) => entry !== keep)
    .filter((entry) => {
      const stamp = readStamp(entry);
      return stamp === undefined || !isCurrent(stamp);
    });
  await Promise.all(stale.map((entry) => rm(entry, { recursive: true, force: true })));
}
