// Search benchmark: top-1/top-10 latency of every scoring backend, exact peers and the memory floor.
// Run: npx tsx bench/src/search/index.ts [--million]   (or BENCH_SEARCH_MILLION=1 to add N=1,000,000)
import { availableParallelism, loadavg } from 'node:os';
import {
  BACKEND_NAMES,
  type ScoringBackend,
  createScoringBackend,
} from '../../../apps/agent/src/scoring/index.ts';
import { randomEmbeddings } from '../../../apps/agent/src/scoring/random-embeddings.ts';
import { groundTruth, recall } from './accuracy.ts';
import { type Workload, exactPeers, hnswPeer, ourContenders } from './contenders.ts';
import { createFloor } from './floor.ts';
import { DEFAULT_NAME, type ResultRow, renderTable, renderTargets } from './report.ts';
import { sampleAll, summarize, timed } from './timing.ts';

const DIM = 192;
const QUERIES = 32;
// Float64 ground truth costs a full JS scan per query; a few queries are enough to catch a wrong result.
const CHECKED_QUERIES = 8;
// Building HNSW is single-threaded and slow; past this size it would dominate the run time.
const HNSW_MAX = 10_000;

const million = process.argv.includes('--million') || process.env.BENCH_SEARCH_MILLION === '1';
const sizes = [10, 1_000, 10_000, 100_000, ...(million ? [1_000_000] : [])];
const log = (line: string) => process.stderr.write(`${line}\n`);

const fallbacks: string[] = [];
const backends: ScoringBackend[] = [];
for (const name of BACKEND_NAMES) {
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

const results: ResultRow[] = [];
for (const count of sizes) {
  const w: Workload = { rows: allRows.subarray(0, count * DIM), count, dim: DIM, queries };
  log(`N=${count}: loading contenders`);
  const contenders = [
    ...backends.flatMap((backend) => ourContenders(backend, w, backend.name === DEFAULT_NAME)),
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
  const truth = groundTruth(w, CHECKED_QUERIES, top10);
  for (const { contender, top1, top10: ten } of entries) {
    results.push({
      count,
      name: contender.name,
      detail: contender.detail,
      kind: contender.kind,
      exact: contender.exact,
      top1: summarize(top1.samples),
      top10: summarize(ten.samples),
      recall: recall(contender, truth),
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
    '',
    renderTable(results),
    '',
    '### Targets',
    '',
    renderTargets(results),
    '',
    `Total run time ${process.uptime().toFixed(0)} s.`,
    '',
  ].join('\n'),
);
