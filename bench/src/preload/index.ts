// Start-up at scale: preloading N profiles (default 1,000,000) from libSQL into the agent's index, beside
// the floor of merely reading the same columns out of libSQL, and the process memory per speaker after.
import { existsSync, renameSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { createAgent } from '../../../apps/agent/src/agent.ts';
import { startProgress, type Progress } from '../../../apps/agent/src/cli/commands/progress/index.ts';
import { loadConfig } from '../../../apps/agent/src/config/index.ts';
import { createLogger } from '../../../apps/agent/src/logger/index.ts';
import { seedProfiles } from '../../../apps/agent/src/testing/seed-profiles.ts';

const COUNT = Number(process.env.BENCH_PRELOAD_N ?? 1_000_000);
const MB = 1024 * 1024;

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

export async function benchPreload(): Promise<string> {
  const path = await seededDatabase();
  const loadBefore = loadavg()[0]!;
  // Memory first: reading a million rows leaves the allocator holding pages it never gives back.
  const before = process.memoryUsage();
  let bar: Progress | undefined;
  const started = performance.now();
  // The CLI's own callback: the bar draws on a terminal and is silent when stdout is piped.
  const agent = await createAgent(loadConfig({ env: {}, flags: { db: path } }), {
    logger: createLogger('silent'),
    onPreload: (loaded, total) => {
      bar ??= startProgress('preloading the embedding index', total, 'profiles');
      bar.update(loaded);
      if (loaded >= total) bar.stop();
    },
    notify: false,
  });
  const preloadMs = performance.now() - started;
  const after = process.memoryUsage();
  const speakers = agent.auth.index.size;
  const perSpeaker = (bytes: number) => (bytes / speakers).toFixed(0);
  const matrices = agent.auth.index.bytesPerSpeaker;
  await agent.close();
  const floorMs = readFloor(path);
  return [
    `## Preload: ${speakers.toLocaleString('en-US')} profiles from libSQL into the index (Node ${process.versions.node})`,
    '',
    `1-min load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after (2 cores).`,
    '',
    '| measure | value |',
    '|---|---:|',
    `| floor: read the same columns and pages from libSQL | ${(floorMs / 1000).toFixed(2)} s |`,
    `| createAgent, preload included (progress callback on) | ${(preloadMs / 1000).toFixed(2)} s (${(preloadMs / floorMs).toFixed(1)}× the floor) |`,
    `| RSS growth per speaker | ${perSpeaker(after.rss - before.rss)} B |`,
    `| of which JS heap (ids, maps, names) | ${perSpeaker(after.heapUsed - before.heapUsed)} B |`,
    `| of which outside the heap (wasm memories, libSQL) | ${perSpeaker(after.external - before.external)} B |`,
    `| matrices: f32 row + compact row | ${matrices.f32} + ${matrices.compact} B |`,
    `| RSS before / after preload | ${(before.rss / MB).toFixed(0)} / ${(after.rss / MB).toFixed(0)} MiB |`,
    '',
    `Target: ≤ 5 s for 1,000,000 — ${COUNT >= 1_000_000 && preloadMs <= 5000 ? 'MET' : 'NOT MET'}; ≤ 400 B per speaker — ${(after.rss - before.rss) / speakers <= 400 ? 'MET' : 'NOT MET'}.`,
  ].join('\n');
}
