// Exact top-k from a quantised scan: a few dozen candidates, re-scored in f32, and a proof none was missed.
import type { Candidates, QuantisedRows } from '../kernel/quantised-rows.ts';
import type { ScanPool } from '../kernel/scan-pool.ts';
import { ABOVE_CAP, MAX_CANDIDATES } from '../kernel/quantised.ts';
import type { TopK } from './backend.ts';

/** Candidates the quantised scan hands to the exact re-rank: enough for k, and at least this many. */
export const DEFAULT_CANDIDATES = 32;

export const candidateCount = (k: number, minimum: number): number =>
  Math.min(MAX_CANDIDATES, Math.max(minimum, k + 16));

/** Exact scores of `rows`, best first, ties by lower row (the f32 scan's order), the best k kept. */
export function rerank(rows: ArrayLike<number>, k: number, exact: (row: number) => number): TopK {
  const scored = Array.from(rows, (row) => ({ row, score: exact(row) }));
  scored.sort((a, b) => b.score - a.score || a.row - b.row);
  const best = scored.slice(0, k);
  return { indices: Int32Array.from(best, (s) => s.row), scores: Float32Array.from(best, (s) => s.score) };
}

/**
 * True when no row outside the candidates can reach the k-th exact score: every other row's
 * approximate score is at most the last candidate's, and exact <= approximate + bound.
 */
export function provenComplete(
  candidates: Candidates,
  rows: number,
  top: TopK,
  k: number,
  bound: number,
): boolean {
  if (candidates.indices.length >= rows) return true;
  const kth = top.scores[Math.min(k, top.scores.length) - 1];
  const last = candidates.scores[candidates.scores.length - 1];
  return kth !== undefined && last !== undefined && last + bound < kth;
}

/** What a quantised search needs from the index: the compact rows, f32 scoring and the full f32 scan. */
export interface QuantisedSource {
  readonly compact: QuantisedRows;
  readonly minCandidates: number;
  exact(row: number): number;
  fullScan(): TopK;
}

/**
 * Top-k identical to the f32 scan's (same rows, same exact scores): the quantised candidates when they
 * prove complete, else every row within the error bound of the k-th score, else the f32 scan.
 */
export function quantisedTopK(source: QuantisedSource, unit: Float32Array, k: number): TopK {
  const { compact } = source;
  const candidates = compact.candidates(unit, candidateCount(k, source.minCandidates));
  const top = rerank(candidates.indices, k, source.exact);
  const bound = compact.bound(unit);
  if (provenComplete(candidates, compact.rows, top, k, bound)) return top;
  const wide = compact.above(unit, top.scores[top.scores.length - 1]! - bound);
  return wide ? rerank(wide, k, source.exact) : source.fullScan();
}

/**
 * The same answer as `quantisedTopK`, scanned by the pool's workers while this thread stays free. A
 * write that lands during the scan may move rows, so then the scan is redone here, synchronously.
 */
export async function quantisedTopKPooled(
  source: QuantisedSource,
  pool: ScanPool,
  unit: Float32Array,
  k: number,
): Promise<TopK> {
  const { compact } = source;
  const version = compact.version;
  const candidates = await pool.candidates(unit, candidateCount(k, source.minCandidates));
  if (compact.version !== version) return quantisedTopK(source, unit, k);
  const top = rerank(candidates.indices, k, source.exact);
  const bound = compact.bound(unit);
  if (provenComplete(candidates, compact.rows, top, k, bound)) return top;
  const wide = await pool.above(unit, top.scores[top.scores.length - 1]! - bound, ABOVE_CAP);
  if (compact.version !== version) return quantisedTopK(source, unit, k);
  return wide ? rerank(wide, k, source.exact) : source.fullScan();
}
