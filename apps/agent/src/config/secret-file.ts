// Reads a secret (a token) from a file only its owner can read, so a leaked file mode is caught at start.
import { readFileSync, statSync } from 'node:fs';
import { VoicesyncError } from '@voicesync/core';

function invalid(key: string, message: string, cause?: unknown): VoicesyncError {
  return new VoicesyncError('invalid_config', `invalid config key "${key}": ${message}`, {
    details: { key },
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * The trimmed content of `path`. Refuses a file that group or others may read or write (anything
 * beyond 0600/0400), an empty file, and anything that is not a regular file.
 *
 * @example
 * const token = readSecretFile('/etc/voicesync/token', 'tokenFile');
 */
export function readSecretFile(path: string, key: string): string {
  let mode: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw invalid(key, `${path} is not a regular file`);
    mode = stat.mode & 0o777;
  } catch (error) {
    if (error instanceof VoicesyncError) throw error;
    throw invalid(key, `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, error);
  }
  // Windows has no POSIX modes to check; everywhere else a group/world bit means the secret already leaked.
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw invalid(
      key,
      `${path} has mode ${mode.toString(8).padStart(4, '0')}, readable beyond its owner; run chmod 600 ${path}`,
    );
  }
  const secret = readFileSync(path, 'utf8').trim();
  if (!secret) throw invalid(key, `${path} is empty`);
  return secret;
}
