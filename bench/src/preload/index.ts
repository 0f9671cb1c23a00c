// Start-up at scale: preloading N profiles (default 1,000,000) from libSQL into the agent's index, beside
// the floor of merely reading the same columns out of libSQL, and the process memory per speaker after.
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Database from 'libsql';
import { createAgent } from '../../../apps/agent/src/agent.ts';
import { startProgress, type Progress } from '../../../apps/agent/src/cli/commands/progress/index.ts';
import { loadConfig } from '../../../apps/agent/src/config/index.ts';
import { snapshotPathOf } from '../../../apps/agent/src/preload/index.ts';
import { createLogger } from '../../../apps/agent/src/logger/index.ts';
import type { EmbeddingIndex } from '../../../apps/agent/src/scoring/index.ts';
import { randomEmbeddings } from '../../../apps/agent/src/scoring/random-embeddings.ts';
import { seedProfiles } from '../../../apps/agent/src/testing/seed-profiles.ts';

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

// The floor: the same columns, the same pages, nothing done with them.
function readFloor(path: string): number {
  const db = new Database(path, { readonly: true });
  const page = db.prepare(
    'SELECT rowid AS r, speaker_id, name, embedding, total_samples FROM profiles WHERE rowid > ? AND deleted = 0 ORDER BY rowid LIMIT 10000',
  );
  const started = performance.now();
  let after = -1;
  for (;;) {
    const rows = page.all([after]) as Array<{ r: number }>;
    if (rows.length < 10_000) break;
    after = rows[rows.length - 1]!.r;
  }
  db.close();
  return performance.now() - started;
}

type Started = { ms: number; agent: Awaited<ReturnType<typeof createAgent>>; source: string };

// createAgent with the CLI's own callback: the bar draws on a terminal and is silent when stdout is piped.
async function start(path: string): Promise<Started> {
  let bar: Progress | undefined;
  let source = '';
  const started = performance.now();
  const agent = await createAgent(loadConfig({ env: {}, flags: { db: path } }), {
    // Info level into a sink that keeps only where the preload came from (the snapshot or libSQL).
    logger: createLogger('info', {
      write: (line: string) => {
        source = /"source":"(\w+)"/.exec(line)?.[1] ?? source;
      },
    }),
    onPreload: (loaded, total) => {
      bar ??= startProgress('preloading the embedding index', total, 'profiles');
      bar.update(loaded);
      if (loaded >= total) bar.stop();
    },
    notify: false,
  });
  return { ms: performance.now() - started, agent, source };
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

export async function benchPreload(): Promise<string> {
  const path = await seededDatabase();
  const loadBefore = loadavg()[0]!;
  // A start without a snapshot (it reads libSQL, then saves one), then starts from the snapshot.
  rmSync(snapshotPathOf(path), { force: true });
  const cold = await start(path);
  await cold.agent.close();
  const RUNS = Number(process.env.BENCH_PRELOAD_RUNS ?? 3);
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
  const floors = Array.from({ length: RUNS }, () => readFloor(path));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const warmMs = median(warm);
  const floorMs = median(floors);
  const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  return [
    `## Preload: ${COUNT.toLocaleString('en-US')} profiles into the index (Node ${process.versions.node})`,
    '',
    `1-min load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after (2 cores). Medians of ${RUNS} runs.`,
    '',
    '| measure | value |',
    '|---|---:|',
    `| floor: read the same columns and pages from libSQL | ${seconds(floorMs)} (runs: ${floors.map(seconds).join(', ')}) |`,
    `| createAgent without a snapshot: libSQL load, then the snapshot saved (${cold.source}) | ${seconds(cold.ms)} (${(cold.ms / floorMs).toFixed(1)}× the floor) |`,
    `| createAgent from the snapshot (progress callback on) | ${seconds(warmMs)} (${(warmMs / floorMs).toFixed(2)}× the floor; runs: ${warm.map(seconds).join(', ')}) |`,
    memory,
    '',
    `Target: ≤ 5 s for 1,000,000 — ${COUNT >= 1_000_000 && warmMs <= 5000 ? 'MET' : 'NOT MET'}.`,
  ].join('\n');
}
