// The quantised rows of the search benchmark: int8 and f16 scans with exact re-rank, one thread and pooled.
import {
  EmbeddingIndex,
  type QuantisedSearchOptions,
  type ScoringBackend,
} from '../../../apps/agent/src/scoring/index.ts';
import { randomEmbeddings, seededRandom } from '../../../apps/agent/src/scoring/random-embeddings.ts';
import type { Contender, Workload } from './contenders.ts';

/** The agent's default verification threshold (config `threshold`): cosine 0.25. */
export const VERIFY_THRESHOLD = 0.25;

/**
 * Probes an identification actually sees: an enrolled row plus a random direction of 0.5-4x its
 * length, so the true speaker's cosine spans ~0.9 down to ~0.25 (the verification threshold).
 */
export function noisyProbes(w: Workload, count: number, seed: number): Float32Array[] {
  const random = seededRandom(seed);
  const noise = randomEmbeddings(count, w.dim, seed + 1);
  return Array.from({ length: count }, (_, i) => {
    const row = Math.floor(random() * w.count);
    const amount = 0.5 + 3.5 * random();
    const probe = new Float32Array(w.dim);
    for (let j = 0; j < w.dim; j++) probe[j] = w.rows[row * w.dim + j]! + amount * noise[i * w.dim + j]!;
    return probe;
  });
}

export interface QuantisedEntry {
  readonly contender: Contender;
  readonly index: EmbeddingIndex;
}

function build(backend: ScoringBackend, w: Workload, options: QuantisedSearchOptions): EmbeddingIndex {
  const index = new EmbeddingIndex({ backend, dim: w.dim, quantised: options });
  for (let row = 0; row < w.count; row++)
    index.upsert(String(row), w.rows.subarray(row * w.dim, (row + 1) * w.dim));
  return index;
}

const ids = (hits: ReadonlyArray<{ speakerId: string }>): number[] =>
  hits.map((hit) => Number(hit.speakerId));

/** Sync (one thread) quantised contenders on `probes`: int8 and f16, both re-ranked in f32. */
export function quantisedContenders(
  backend: ScoringBackend,
  w: Workload,
  probes: readonly Float32Array[],
): QuantisedEntry[] {
  const entries: QuantisedEntry[] = [];
  for (const format of ['int8', 'f16'] as const) {
    const index = build(backend, w, { format, minRows: 0, threadMinRows: Number.POSITIVE_INFINITY });
    entries.push({
      index,
      contender: {
        name: `${format} scan + f32 re-rank`,
        detail: 'EmbeddingIndex.search, 1 thread, noisy probes',
        kind: 'ours',
        exact: true,
        onProbes: true,
        search: (q, k) => ids(index.search(probes[q % probes.length]!, k)),
      },
    });
  }
  return entries;
}

/** The int8 index with the scan split over `threads` workers (searchAsync), for the async timing loop. */
export function pooledIndex(backend: ScoringBackend, w: Workload, threads: number): EmbeddingIndex {
  return build(backend, w, { minRows: 0, threadMinRows: 0, threads });
}

export interface RecallAt1 {
  readonly probes: number;
  readonly agree: number;
  /** Probes whose exact best score is at least the verification threshold, and how many agree there. */
  readonly withinThreshold: number;
  readonly agreeWithinThreshold: number;
}

/** recall@1 of `index` against the exact f32 scan of `exact`, same speaker and same score. */
export function recallAt1(
  index: EmbeddingIndex,
  exact: EmbeddingIndex,
  probes: readonly Float32Array[],
): RecallAt1 {
  let agree = 0;
  let within = 0;
  let agreeWithin = 0;
  for (const probe of probes) {
    const [want] = exact.search(probe, 1);
    const [got] = index.search(probe, 1);
    const same = want !== undefined && got?.speakerId === want.speakerId && got.score === want.score;
    if (same) agree++;
    if (want && want.score >= VERIFY_THRESHOLD) {
      within++;
      if (same) agreeWithin++;
    }
  }
  return { probes: probes.length, agree, withinThreshold: within, agreeWithinThreshold: agreeWithin };
}
