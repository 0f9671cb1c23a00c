// Search benchmark: top-1/top-10 latency of every scoring backend, exact peers and the memory floor.
// Run: npx tsx bench/src/search/index.ts [--million]   (or BENCH_SEARCH_MILLION=1 to add N=1,000,000;
// BENCH_SEARCH_SIZES=a,b picks sizes, BENCH_SEARCH_PROBES the recall probes)
import { availableParallelism, loadavg } from 'node:os';
import {
  BACKEND_NAMES,
  EmbeddingIndex,
  QUANTISED_DEFAULTS,
  type ScoringBackend,
  createScoringBackend,
} from '../../../apps/agent/src/scoring/index.ts';
import { randomEmbeddings } from '../../../apps/agent/src/scoring/random-embeddings.ts';
import { groundTruth, recall } from './accuracy.ts';
import { type Workload, exactPeers, hnswPeer, ourContenders } from './contenders.ts';
import { createFloor } from './floor.ts';
import { type RecallAt1, noisyProbes, pooledIndex, quantisedContenders, recallAt1 } from './quantised.ts';
import {
  DEFAULT_NAME,
  type ResultRow,
  renderQuantisedTargets,
  renderRecall,
  renderTable,
  renderTargets,
} from './report.ts';
import { sampleAll, sampleAsync, summarize, timed } from './timing.ts';

const DIM = 192;
const QUERIES = 32;
// Float64 ground truth costs a full JS scan per query; a few queries are enough to catch a wrong result.
const CHECKED_QUERIES = 8;
// Building HNSW is single-threaded and slow; past this size it would dominate the run time.
const HNSW_MAX = 10_000;
// recall@1 of the quantised path is checked on this many noisy probes from this N on.
const RECALL_PROBES = Number(process.env.BENCH_SEARCH_PROBES ?? 10_000);
const RECALL_MIN_N = 100_000;
// The worker pool only pays for itself on large scans (QUANTISED_DEFAULTS.threadMinRows); timed from here.
const POOLED_MIN_N = 10_000;
const threads = QUANTISED_DEFAULTS.threads;

const million = process.argv.includes('--million') || process.env.BENCH_SEARCH_MILLION === '1';
// BENCH_SEARCH_SIZES=1000000 times one size alone (a million-row run is long on a busy machine).
const sizes = process.env.BENCH_SEARCH_SIZES
  ? process.env.BENCH_SEARCH_SIZES.split(',').map(Number)
  : [10, 1_000, 10_000, 100_000, ...(million ? [1_000_000] : [])];
const log = (line: string) => process.stderr.write(`${line}\n`);

const fallbacks: string[] = [];
const backends: ScoringBackend[] = [];
// BENCH_SEARCH_BACKENDS=wasm-simd skips the slow backends (tfjs, js), e.g. for a million-row run.
const wanted = process.env.BENCH_SEARCH_BACKENDS?.split(',') ?? BACKEND_NAMES;
for (const name of BACKEND_NAMES.filter((n) => wanted.includes(n))) {
  backends.push(
    await createScoringBackend(name, {
      onFallback: (engine, error) => fallbacks.push(`${engine}: ${String(error).split('\n')[0]}`),
    }),
  );
}

const loadBefore = loadavg()[0]!;
const maxCount = sizes[sizes.length - 1]!;
const allRows = randomEmbeddings(maxCount, DIM, 1);
const allQueries = randomEmbeddings(QUERIES, DIM, 2);
const queries = Array.from({ length: QUERIES }, (_, q) => allQueries.subarray(q * DIM, (q + 1) * DIM));

const wasm = backends.find((b) => b.name === DEFAULT_NAME)!;
const results: ResultRow[] = [];
const recalls: Array<{ count: number; format: string; recall: RecallAt1 }> = [];
const memory: string[] = [];
for (const count of sizes) {
  const w: Workload = { rows: allRows.subarray(0, count * DIM), count, dim: DIM, queries };
  log(`N=${count}: loading contenders`);
  const probes = noisyProbes(w, QUERIES, 3);
  const quantised = quantisedContenders(wasm, w, probes);
  const int8 = quantised[0]!.index;
  const bytes = int8.bytesPerSpeaker;
  memory.push(
    `| ${count.toLocaleString('en-US')} | ${bytes.f32} | ${bytes.compact} | ${bytes.table} | ${bytes.f32 + bytes.compact + bytes.table} |`,
  );
  const contenders = [
    ...backends.flatMap((backend) => ourContenders(backend, w, backend.name === DEFAULT_NAME)),
    ...quantised.map((q) => q.contender),
    {
      ...quantised[0]!.contender,
      detail: 'EmbeddingIndex.search, 1 thread, random queries',
      onProbes: false,
      search: (q: number, k: number) =>
        int8.search(queries[q % QUERIES]!, k).map((hit) => Number(hit.speakerId)),
    },
    ...exactPeers(w),
    ...(count <= HNSW_MAX ? [hnswPeer(w)] : []),
  ];
  const floor = await createFloor(w.rows);
  const top10 = Math.min(10, count);
  const entries = contenders.map((c) => ({
    contender: c,
    top1: timed((i) => c.search(i, 1)),
    top10: timed((i) => c.search(i, top10)),
  }));
  const floorTimed = timed(floor);
  log(`N=${count}: timing ${contenders.length} contenders and the floor`);
  sampleAll([floorTimed, ...entries.flatMap((e) => [e.top1, e.top10])]);
  const floorLatency = summarize(floorTimed.samples);
  results.push({
    count,
    name: 'memory-scan floor',
    detail: 'wasm SIMD sum over the matrix',
    kind: 'floor',
    exact: true,
    top1: floorLatency,
    top10: floorLatency,
    recall: undefined,
  });
  if (count >= POOLED_MIN_N) {
    log(`N=${count}: timing the int8 scan on ${threads} worker threads`);
    const pooled = pooledIndex(wasm, w, threads);
    const top1: number[] = [];
    const ten: number[] = [];
    await sampleAsync((i) => pooled.searchAsync(probes[i % QUERIES]!, 1), top1);
    await sampleAsync((i) => pooled.searchAsync(probes[i % QUERIES]!, top10), ten);
    results.push({
      count,
      name: 'int8 scan + f32 re-rank',
      detail: `EmbeddingIndex.searchAsync, ${threads} worker threads, noisy probes`,
      kind: 'ours',
      exact: true,
      top1: summarize(top1),
      top10: summarize(ten),
      recall: undefined,
    });
    pooled.close();
  }
  if (count >= RECALL_MIN_N) {
    log(`N=${count}: recall@1 on ${RECALL_PROBES} noisy probes`);
    const exact = new EmbeddingIndex({ backend: wasm, dim: DIM, quantised: false });
    for (let row = 0; row < count; row++)
      exact.upsert(String(row), w.rows.subarray(row * DIM, (row + 1) * DIM));
    const many = noisyProbes(w, RECALL_PROBES, 4);
    recalls.push({ count, format: 'int8', recall: recallAt1(int8, exact, many) });
    // f16 scans ~5x slower than int8 here; a tenth of the probes shows its recall as well.
    const some = many.slice(0, Math.ceil(RECALL_PROBES / 10));
    recalls.push({ count, format: 'f16', recall: recallAt1(quantised[1]!.index, exact, some) });
  }
  const truth = groundTruth(w, CHECKED_QUERIES, top10);
  const probeTruth = groundTruth({ ...w, queries: probes }, CHECKED_QUERIES, top10);
  for (const { contender, top1, top10: ten } of entries) {
    results.push({
      count,
      name: contender.name,
      detail: contender.detail,
      kind: contender.kind,
      exact: contender.exact,
      top1: summarize(top1.samples),
      top10: summarize(ten.samples),
      recall: recall(contender, contender.onProbes ? probeTruth : truth),
    });
  }
}

// Other processes on the box show up as inflated p50/p99; say how busy it was so runs can be compared.
const cores = availableParallelism();
const load = `1-min load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after, on ${cores} cores`;
const busy = Math.max(loadBefore, loadavg()[0]!) > cores;
const tfjs = backends.find((b) => b.name === 'tfjs');
process.stdout.write(
  [
    `## Search benchmark: top-k over N x ${DIM} float32 unit vectors (${QUERIES} random queries, Node ${process.versions.node})`,
    '',
    `tfjs ran on **${tfjs?.engine}**${fallbacks.length ? ` (skipped: ${fallbacks.join('; ')})` : ''}.`,
    `HNSW measured up to N=${HNSW_MAX.toLocaleString('en-US')}; recall@10 checked on ${CHECKED_QUERIES} queries against float64 ground truth.`,
    `${load}${busy ? ' — the machine was busy, so latencies are inflated and noisy.' : '.'}`,
    'Quantised rows search noisy probes (an enrolled row plus 0.5-4x its length of random noise) unless marked.',
    '',
    renderTable(results),
    '',
    `### recall@1 of the quantised path against the exact f32 scan (same speaker and same score)`,
    '',
    renderRecall(recalls),
    '',
    '### Process memory per speaker of the int8 index (its own count; the preload benchmark measures RSS)',
    '',
    '| N | f32 rows in memory | compact row | ids, names, hash slots | total B |',
    '|---:|---:|---:|---:|---:|',
    ...memory,
    '',
    '### Targets',
    '',
    renderTargets(results),
    renderQuantisedTargets(results, recalls),
    '',
    `Total run time ${process.uptime().toFixed(0)} s.`,
    '',
  ].join('\n'),
);
