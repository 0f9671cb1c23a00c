// Throwaway directories under the OS temp dir, removed on demand or when the process exits.
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onProcessExit } from '../process/index.ts';

export interface TempDir {
  /** Absolute path of the directory. */
  readonly path: string;
  /** Deletes the directory and everything in it (idempotent). */
  remove(): Promise<void>;
}

export interface TempDirOptions {
  /** Hand the (empty) directory to this user, e.g. the `postgres` user that initdb runs as. */
  owner?: { uid: number; gid: number };
  /** Keep the directory after the process exits (debugging). Default false. */
  keep?: boolean;
}

/**
 * Creates `$TMPDIR/voicesync-<prefix>-XXXXXX`, deleted by `remove()` or at process exit.
 *
 * @example const dir = tempDir('agent'); ...; await dir.remove();
 */
export function tempDir(prefix: string, options: TempDirOptions = {}): TempDir {
  const path = mkdtempSync(join(tmpdir(), `voicesync-${prefix}-`));
  if (options.owner) chownSync(path, options.owner.uid, options.owner.gid);
  const unregister = options.keep
    ? () => {}
    : onProcessExit(() => rmSync(path, { recursive: true, force: true }));
  return {
    path,
    async remove() {
      unregister();
      await rm(path, { recursive: true, force: true });
    },
  };
}
