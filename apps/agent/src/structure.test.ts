// The agent's structure, checked: no file over 300 lines, no import cycle (type-only imports included).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('.', import.meta.url));
const ROOT = resolve(SRC, '../../..');
const MAX_LINES = 300;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/**
 * Every import between the agent's files, as the TypeScript compiler resolves them: `tsc
 * --explainFiles` names, for each file of the program, each file that imports it, `import type`
 * and re-exports included (a regex over the sources would miss what the compiler resolves).
 */
function importGraph(): Map<string, Set<string>> {
  const dir = mkdtempSync(join(tmpdir(), 'agent-graph-'));
  try {
    const config = join(dir, 'tsconfig.json');
    writeFileSync(
      config,
      JSON.stringify({
        extends: join(ROOT, 'tsconfig.json'),
        compilerOptions: { noEmit: true, typeRoots: [join(ROOT, 'node_modules/@types')] },
        include: [SRC],
        exclude: [join(SRC, 'kernel/assembly'), '**/*.as.ts'],
      }),
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    // Type errors are the typecheck's business; only the explanation of the program is read here.
    const out = spawnSync(process.execPath, [tsc, '-p', config, '--explainFiles', '--noEmit'], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    }).stdout;
    const graph = new Map<string, Set<string>>();
    let current: string | undefined;
    for (const line of out.split('\n')) {
      if (!line.startsWith(' ')) {
        current = line.trim() === '' ? undefined : resolve(ROOT, line.trim());
        continue;
      }
      const via = /^\s+Imported via .* from file '(.+)'/.exec(line);
      if (!current || !via?.[1]) continue;
      const importer = resolve(ROOT, via[1]);
      if (!importer.startsWith(SRC) || !current.startsWith(SRC)) continue;
      const edges = graph.get(importer) ?? new Set<string>();
      edges.add(current);
      graph.set(importer, edges);
    }
    return graph;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Each import cycle once, as the path around it (depth-first search over the graph). */
function cycles(graph: Map<string, Set<string>>): string[][] {
  const found: string[][] = [];
  const seen = new Set<string>();
  const done = new Set<string>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    seen.add(file);
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!seen.has(next)) visit(next);
      else if (!done.has(next)) found.push([...stack.slice(stack.indexOf(next)), next]);
    }
    stack.pop();
    done.add(file);
  };
  for (const file of [...graph.keys()].sort()) if (!seen.has(file)) visit(file);
  return found;
}

describe('the agent structure', () => {
  it(`has no source file over ${MAX_LINES} lines`, () => {
    const long = sourceFiles(SRC)
      .map((file) => ({
        file: relative(SRC, file),
        lines: readFileSync(file, 'utf8').split('\n').length - 1,
      }))
      .filter(({ lines }) => lines > MAX_LINES);
    expect(long).toEqual([]);
  });

  it('has no import cycle, type-only imports included', () => {
    const graph = importGraph();
    // The graph is real: the composition root reaches the sync module.
    expect(graph.get(join(SRC, 'agent.ts'))?.size).toBeGreaterThan(10);
    const found = cycles(graph).map((cycle) => cycle.map((file) => relative(SRC, file)).join(' -> '));
    expect(found).toEqual([]);
  });
});
