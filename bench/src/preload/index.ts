// Start-up at scale: preloading N profiles (default 1,000,000) from libSQL into the agent's index, with
// and without a snapshot, beside the floors of merely reading the same columns out of libSQL (one
// thread with row objects; raw rows on one and on several threads), and the process memory after.
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createAgent } from '../../../apps/agent/src/agent.ts';
import { Authenticator, Cohort } from '../../../apps/agent/src/auth/index.ts';
import { startProgress, type Progress } from '../../../apps/agent/src/cli/commands/progress/index.ts';
import { loadConfig, resolveConfig } from '../../../apps/agent/src/config/index.ts';
import { readProfiles, snapshotPathOf } from '../../../apps/agent/src/preload/index.ts';
import { writeSnapshot } from '../../../apps/agent/src/preload/snapshot-write.ts';
import { createLogger } from '../../../apps/agent/src/logger/index.ts';
import { createScoringBackend, EmbeddingIndex } from '../../../apps/agent/src/scoring/index.ts';
import { randomEmbeddings } from '../../../apps/agent/src/scoring/random-embeddings.ts';
import { openStore } from '../../../apps/agent/src/store/index.ts';
import { seedProfiles } from '../../../apps/agent/src/testing/seed-profiles.ts';
import { benchEncode } from './encode.ts';
import { floorPagedObjects, floorThreads } from './floors.ts';

const COUNT = Number(process.env.BENCH_PRELOAD_N ?? 1_000_000);
const MB = 1024 * 1024;

// Resident memory by kind (Linux): file pages include libSQL's memory map of the database, anonymous
// pages everything the process allocated (heap, wasm memories, typed arrays, libSQL's page cache).
function resident(): { anon: number; file: number } {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
  return { anon: kb('RssAnon'), file: kb('RssFile') + kb('RssShmem') };
}

// A full collection before each reading, so garbage of the page reads is not counted as index memory.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

// Seeding a million rows takes a minute; the file is kept in the temp dir and reused by later runs.
async function seededDatabase(): Promise<string> {
  const path = join(tmpdir(), `voicesync-bench-preload-${COUNT}.db`);
  if (existsSync(path)) return path;
  const partial = `${path}.partial`;
  await seedProfiles(partial, COUNT);
  renameSync(partial, path);
  return path;
}

type Started = {
  ms: number;
  agent: Awaited<ReturnType<typeof createAgent>>;
  source: string;
  readers: number;
  /** When the log said the snapshot was written (or not), ms after the start began. */
  saved: Promise<number>;
};

// createAgent with the CLI's own callback: the bar draws on a terminal and is silent when stdout is piped.
async function start(path: string): Promise<Started> {
  let bar: Progress | undefined;
  let source = '';
  let readers = 0;
  let written: (ms: number) => void = () => {};
  const saved = new Promise<number>((resolve) => {
    written = resolve;
  });
  const started = performance.now();
  const agent = await createAgent(loadConfig({ env: {}, flags: { db: path } }), {
    // Info level into a sink that keeps only where the preload came from (the snapshot or libSQL).
    logger: createLogger('info', {
      write: (line: string) => {
        source = /"source":"(\w+)"/.exec(line)?.[1] ?? source;
        readers = Number(/"readers":(\d+)/.exec(line)?.[1] ?? readers);
        const saved = /"saved":(true|false)/.exec(line)?.[1];
        if (saved) written(saved === 'true' ? performance.now() - started : Number.NaN);
      },
    }),
    onPreload: (loaded, total) => {
      bar ??= startProgress('preloading the embedding index', total, 'profiles');
      bar.update(loaded, total);
      if (loaded >= total) bar.stop();
    },
    notify: false,
  });
  return { ms: performance.now() - started, agent, source, readers, saved };
}

// One thread (`search`) against the worker threads (`searchAsync`, what POST /v1/identify uses),
// probe by probe alternately, so both see the same load: noisy copies of enrolled speakers.
async function threadsVsOne(index: EmbeddingIndex, probes = 400): Promise<string> {
  const seeds = randomEmbeddings(probes, index.dim, 1);
  const noise = randomEmbeddings(probes, index.dim, 77);
  const one: number[] = [];
  const pooled: number[] = [];
  await index.searchAsync(seeds.subarray(0, index.dim), 1);
  for (let i = 0; i < probes; i++) {
    const probe = seeds.slice(i * index.dim, (i + 1) * index.dim);
    for (let j = 0; j < index.dim; j++) probe[j] = probe[j]! + 0.3 * noise[i * index.dim + j]!;
    for (const pass of i % 2 === 0 ? [0, 1] : [1, 0]) {
      const started = performance.now();
      if (pass === 0) index.search(probe, 1);
      else await index.searchAsync(probe, 1);
      (pass === 0 ? one : pooled).push(performance.now() - started);
    }
  }
  const p = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * q)]!.toFixed(2);
  return [
    `| identify top-1 of the loaded index, 1 thread (\`search\`), ${probes} probes interleaved | p50 ${p(one, 0.5)} ms, p90 ${p(one, 0.9)} ms |`,
    `| the same on the worker threads (\`searchAsync\`, /v1/identify) | p50 ${p(pooled, 0.5)} ms, p90 ${p(pooled, 0.9)} ms |`,
  ].join('\n');
}

// The page-by-page path on this thread (the fallback, and every libSQL start before round 4), in its
// parts: reading and filling the index, then the snapshot written synchronously with its fsync.
async function serialPath(path: string): Promise<{ fill: number; save: number }> {
  const store = await openStore(path);
  const index = new EmbeddingIndex({
    backend: await createScoringBackend(),
    quantised: { rowFileDir: join(path, '..') },
  });
  const auth = new Authenticator(index, new Cohort(store, 192), resolveConfig({ db: path }));
  const started = performance.now();
  await readProfiles(store, auth);
  const filled = performance.now();
  const scratch = `${path}.bench-serial-snapshot`;
  writeSnapshot(scratch, index, 0);
  const save = performance.now() - filled;
  rmSync(scratch, { force: true });
  index.close();
  store.close();
  return { fill: filled - started, save };
}

export async function benchPreload(): Promise<string> {
  const path = await seededDatabase();
  const loadBefore = loadavg()[0]!;
  const RUNS = Number(process.env.BENCH_PRELOAD_RUNS ?? 3);
  const serial = await serialPath(path);
  // Starts without a snapshot (libSQL read by the readers, the snapshot written after the agent is
  // ready), each beside the three floors, so every ratio compares numbers taken under the same load.
  const floors: number[][] = [[], [], [], []];
  const cold: number[] = [];
  const coldSaved: number[] = [];
  let readers = 0;
  for (let run = 0; run < RUNS; run++) {
    rmSync(snapshotPathOf(path), { force: true });
    const started = await start(path);
    if (started.source !== 'libsql' || started.readers < 2)
      throw new Error(`cold run ${run}: ${started.source}, ${started.readers} readers`);
    cold.push(started.ms);
    readers = started.readers;
    coldSaved.push(await started.saved);
    if (Number.isNaN(coldSaved.at(-1))) throw new Error(`cold run ${run}: the snapshot was not written`);
    await started.agent.close();
    floors[0]!.push(floorPagedObjects(path));
    floors[1]!.push(await floorThreads(path, 1, false));
    floors[2]!.push(await floorThreads(path, readers, false));
    floors[3]!.push(await floorThreads(path, readers, true));
  }
  const warm: number[] = [];
  let memory = '';
  for (let run = 0; run < RUNS; run++) {
    // Memory first: reading a million rows leaves the allocator holding pages it never gives back.
    collect();
    const before = process.memoryUsage();
    const residentBefore = resident();
    const started = await start(path);
    if (started.source !== 'snapshot') throw new Error(`run ${run} loaded from ${started.source}`);
    warm.push(started.ms);
    collect();
    const after = process.memoryUsage();
    const residentAfter = resident();
    const speakers = started.agent.auth.index.size;
    const perSpeaker = (bytes: number) => (bytes / speakers).toFixed(0);
    const matrices = started.agent.auth.index.bytesPerSpeaker;
    const anon = (residentAfter.anon - residentBefore.anon - 64 * MB) / speakers;
    if (run === 0) {
      memory = [
        '| memory after the first start from the snapshot | value |',
        '|---|---:|',
        `| RSS growth per speaker | ${perSpeaker(after.rss - before.rss)} B |`,
        `| of which anonymous (process memory, incl. libSQL's page cache of at most 64 MiB = ${((64 * MB) / speakers).toFixed(0)} B/speaker) | ${perSpeaker(residentAfter.anon - residentBefore.anon)} B |`,
        `| of which file-backed (libSQL's memory map, the snapshot's and row file's pages) | ${perSpeaker(residentAfter.file - residentBefore.file)} B |`,
        `| of which JS heap (ids, maps, names) | ${perSpeaker(after.heapUsed - before.heapUsed)} B |`,
        `| of which outside the heap (wasm memories, typed arrays) | ${perSpeaker(after.external - before.external)} B |`,
        `| index's own count: f32 row in memory + compact row + speaker table | ${matrices.f32} + ${matrices.compact} + ${matrices.table} B |`,
        `| RSS before / after preload | ${(before.rss / MB).toFixed(0)} / ${(after.rss / MB).toFixed(0)} MiB |`,
        '',
        `Target ≤ 400 B per speaker above the libSQL cache (anonymous RSS growth less the 64 MiB page cache): ${anon.toFixed(0)} B — ${anon <= 400 ? 'MET' : 'NOT MET'}.`,
      ].join('\n');
    }
    if (run === RUNS - 1)
      memory += `\n\n| search after the start | value |\n|---|---:|\n${await threadsVsOne(started.agent.auth.index)}`;
    await started.agent.close();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const warmMs = median(warm);
  const [floorMs, rawOneMs, rawMs, batchedMs] = floors.map(median) as [number, number, number, number];
  const coldMs = median(cold);
  const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const runs = (xs: number[]) => `runs: ${xs.map(seconds).join(', ')}`;
  const ratios = (ms: number) =>
    `${(ms / floorMs).toFixed(2)}× / ${(ms / rawMs).toFixed(2)}× / ${(ms / batchedMs).toFixed(2)}×`;
  return [
    `## Preload: ${COUNT.toLocaleString('en-US')} profiles into the index (Node ${process.versions.node})`,
    '',
    `1-min load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after (2 cores). Medians of ${RUNS} runs.`,
    '',
    '| measure | value | ÷ floor: objects, 1 thread / raw rows, readers / batches, readers |',
    '|---|---:|---:|',
    `| floor: the same columns in pages of 10,000, \`.all()\` row objects, 1 thread | ${seconds(floorMs)} (${runs(floors[0]!)}) | ${ratios(floorMs)} |`,
    `| floor: raw rows (arrays), one read transaction, 1 worker thread | ${seconds(rawOneMs)} (${runs(floors[1]!)}) | ${ratios(rawOneMs)} |`,
    `| floor: raw rows, ${readers} worker threads | ${seconds(rawMs)} (${runs(floors[2]!)}) | ${ratios(rawMs)} |`,
    `| **floor: the preload's batched query, ${readers} worker threads** (the best bare read) | ${seconds(batchedMs)} (${runs(floors[3]!)}) | ${ratios(batchedMs)} |`,
    `| **createAgent without a snapshot: libSQL read by ${readers} readers, agent ready, bar done** | **${seconds(coldMs)}** (${runs(cold)}) | ${ratios(coldMs)} |`,
    `| … its snapshot written (after ready, off the event loop), from the start | ${seconds(median(coldSaved))} (${runs(coldSaved)}) | |`,
    `| **createAgent from the snapshot** (progress callback on) | **${seconds(warmMs)}** (${runs(warm)}) | ${ratios(warmMs)} |`,
    `| page-by-page path on one thread (the fallback): read + fill the index | ${seconds(serial.fill)} | ${ratios(serial.fill)} |`,
    `| … then the snapshot written synchronously (1 GB, fsync) | ${seconds(serial.save)} | |`,
    '',
    memory,
    '',
    benchEncode(),
    '',
    `Target: ≤ 5 s for 1,000,000, also when libSQL must be read — ${COUNT >= 1_000_000 && coldMs <= 5000 && warmMs <= 5000 ? 'MET' : 'NOT MET'}.`,
  ].join('\n');
}
