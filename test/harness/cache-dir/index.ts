// The machine-wide cache that outlives test processes: Worker builds and the initdb template.
// Everything in it is derived and safe to delete; entries are replaced when their inputs change.
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `$TMPDIR/voicesync-harness-cache`. */
export const cacheRoot: string = join(tmpdir(), 'voicesync-harness-cache');

/** Short stable hash of a string, for cache entry names. */
export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}
