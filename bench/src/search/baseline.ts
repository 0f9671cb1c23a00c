// `BENCH_BASELINE=<dir> npm run bench -- search-baseline`: this tree's EmbeddingIndex against the one
// of an older checkout, interleaved in one process so both see the same machine (a number measured on
// another day says nothing here). <dir> holds that checkout's apps/ and packages/ (e.g.
// `git archive <commit> apps packages | tar -x -C <dir>`) and a node_modules link to this tree's.
import { fileURLToPath } from 'node:url';
import { randomEmbeddings } from '../../../apps/agent/src/scoring/random-embeddings.ts';
import { format, summarize, table } from '../stats/index.ts';

interface Index {
  upsert(id: string, embedding: Float32Array): void;
  search(query: Float32Array, k: number): unknown;
}
interface ScoringModule {
  EmbeddingIndex: new (options: { backend: unknown; dim: number }) => Index;
  createScoringBackend(name: string): Promise<unknown>;
}

const DIM = 192;

async function load(root: string, rows: Float32Array, n: number): Promise<Index> {
  const scoring = (await import(`${root}/apps/agent/src/scoring/index.ts`)) as ScoringModule;
  const index = new scoring.EmbeddingIndex({
    backend: await scoring.createScoringBackend('wasm-simd'),
    dim: DIM,
  });
  for (let i = 0; i < n; i++) index.upsert(`spk-${i}`, rows.subarray(i * DIM, (i + 1) * DIM));
  return index;
}

export async function benchSearchBaseline(): Promise<string> {
  const baseline = process.env.BENCH_BASELINE;
  if (!baseline) throw new Error('search-baseline needs BENCH_BASELINE=<dir of an older checkout>');
  const n = Number(process.env.BENCH_SEARCH_N ?? 1000);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 41);
  const queries = 2000;
  const rows = randomEmbeddings(n, DIM, 7);
  const probes = randomEmbeddings(queries, DIM, 11);
  const here = fileURLToPath(new URL('../../..', import.meta.url));
  const indexes = { this: await load(here, rows, n), baseline: await load(baseline, rows, n) };
  const times = { this: [] as number[], baseline: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    // Who goes first alternates, so neither always runs on a warmer cache.
    for (const name of round % 2 ? (['this', 'baseline'] as const) : (['baseline', 'this'] as const)) {
      const started = process.hrtime.bigint();
      for (let q = 0; q < queries; q++) indexes[name].search(probes.subarray(q * DIM, (q + 1) * DIM), 1);
      times[name].push(Number(process.hrtime.bigint() - started) / 1e3 / queries);
    }
  }
  const ratios = times.this.map((t, i) => t / (times.baseline[i] ?? t));
  const [mine, theirs, paired] = [summarize(times.this), summarize(times.baseline), summarize(ratios)];
  return [
    `EmbeddingIndex top-1, N=${n}, µs per query: median of ${rounds} interleaved rounds of ${queries}`,
    table(
      ['index', 'p50 µs', 'this / baseline (paired median)'],
      [
        ['this tree', format(mine.p50), format(paired.p50)],
        [`baseline ${baseline}`, format(theirs.p50), '1'],
      ],
    ),
  ].join('\n');
}
