// The README stays a short entry point that reaches every topic in docs/ in one click.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { repoPath } from '../harness/index.ts';

const readme = readFileSync(repoPath('README.md'), 'utf8');

describe('README.md', () => {
  it('is at most 10 KB', () => {
    expect(statSync(repoPath('README.md')).size).toBeLessThanOrEqual(10 * 1024);
  });

  it('links every document in docs/', () => {
    const topics = readdirSync(repoPath('docs')).filter((file) => file.endsWith('.md'));
    expect(topics.length).toBeGreaterThanOrEqual(10);
    for (const file of topics) expect(readme, file).toContain(`](docs/${file}`);
  });
});
