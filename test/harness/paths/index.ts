// Locates the repository so harness code works whatever directory vitest was started from.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the repository root (the folder holding the root `package.json`). */
export const repoRoot: string = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Resolves a repository-relative path, e.g. `repoPath('wrangler.toml')`. */
export function repoPath(...segments: string[]): string {
  return join(repoRoot, ...segments);
}
