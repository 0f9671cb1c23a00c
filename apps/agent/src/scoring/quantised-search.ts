// Exact top-k from a quantised scan: a few dozen candidates, re-scored in f32, and a proof none was missed.
import type { Candidates, QuantisedRows } from '../kernel/quantised-rows.ts';
import type { ScanPool } from '../kernel/scan-pool.ts';
import { ABOVE_CAP, MAX_CANDIDATES } from '../kernel/quantised.ts';
import type { TopK } from './backend.ts';

/** Candidates the quantised scan hands to the exact re-rank: enough for k, and at least this many. */
export const DEFAULT_CANDIDATES = 32;

/**
 * Enough for k, at least `minimum`, and wider for a larger crowd (sqrt(rows) / 4: 79 at 100,000, 250 at
 * a million): the more rows, the higher the crowd's best approximate scores, and the list must reach
 * below (k-th exact - bound) for the proof to hold without a second pass. Candidates are only read
 * until the proof holds, so a wide list costs the scan a few inserts, not re-ranking.
 */
export const candidateCount = (k: number, minimum: number, rows = 0): number =>
  Math.min(MAX_CANDIDATES, Math.max(minimum, k + 16, Math.ceil(Math.sqrt(rows) / 4)));

/** Exact scores of `rows`, best first, ties by lower row (the f32 scan's order), the best k kept. */
export function rerank(rows: ArrayLike<number>, k: number, exact: (row: number) => number): TopK {
  return topOf(
    Array.from(rows, (row) => ({ row, score: exact(row) })),
    k,
  );
}

/**
 * The exact top-k among the candidates (best approximate first), scoring only as many as it takes:
 * once k are scored and the next candidate's approximate score plus `bound` is below the k-th exact
 * score, neither it nor any later candidate nor any row outside the list (approximate score at most
 * the last candidate's) can enter the top k, since exact <= approximate + bound. Undefined when the
 * candidates run out without that proof (`proven` false: a row outside them might still belong).
 */
export function provenTopK(
  candidates: Candidates,
  rows: number,
  k: number,
  bound: number,
  exact: (row: number) => number,
): { top: TopK; proven: boolean } {
  const { indices, scores } = candidates;
  const scored: Array<{ row: number; score: number }> = [];
  // The k-th best exact score so far, kept by insertion into `best` (k <= 32, so a short sorted list).
  const best: number[] = [];
  let proven = indices.length >= rows;
  for (let i = 0; i < indices.length; i++) {
    if (best.length === k && scores[i]! + bound < best[k - 1]!) {
      proven = true;
      break;
    }
    const score = exact(indices[i]!);
    scored.push({ row: indices[i]!, score });
    let at = best.length;
    while (at > 0 && best[at - 1]! < score) at--;
    if (at < k) best.splice(at, 0, score);
    if (best.length > k) best.pop();
  }
  if (!proven) {
    const last = scores[scores.length - 1];
    proven = best.length === k && last !== undefined && last + bound < best[k - 1]!;
  }
  return { top: topOf(scored, k), proven };
}

// With fewer than k scored, every row may belong: the second pass then lists all (and overflows).
const kthScore = (top: TopK, k: number): number =>
  top.scores.length === k ? top.scores[k - 1]! : Number.NEGATIVE_INFINITY;

function topOf(scored: Array<{ row: number; score: number }>, k: number): TopK {
  scored.sort((a, b) => b.score - a.score || a.row - b.row);
  const top = scored.slice(0, k);
  return { indices: Int32Array.from(top, (s) => s.row), scores: Float32Array.from(top, (s) => s.score) };
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
  const candidates = compact.candidates(unit, candidateCount(k, source.minCandidates, compact.rows));
  const bound = compact.bound(unit);
  const { top, proven } = provenTopK(candidates, compact.rows, k, bound, source.exact);
  if (proven) return top;
  const wide = compact.above(unit, kthScore(top, k) - bound);
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
  const candidates = await pool.candidates(unit, candidateCount(k, source.minCandidates, compact.rows));
  if (compact.version !== version) return quantisedTopK(source, unit, k);
  const bound = compact.bound(unit);
  const { top, proven } = provenTopK(candidates, compact.rows, k, bound, source.exact);
  if (proven) return top;
  const wide = await pool.above(unit, kthScore(top, k) - bound, ABOVE_CAP);
  if (compact.version !== version) return quantisedTopK(source, unit, k);
  return wide ? rerank(wide, k, source.exact) : source.fullScan();
}
