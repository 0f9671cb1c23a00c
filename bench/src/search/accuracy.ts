// Float64 ground truth for the benchmark, so a fast but wrong contender cannot pass unnoticed.
import type { Contender, Workload } from './contenders.ts';

/** Row indices of the exact top-k for each checked query, ranked in float64 (ties by lower row). */
export function groundTruth(w: Workload, checked: number, k: number): number[][] {
  return w.queries.slice(0, checked).map((query) => {
    const scores = new Float64Array(w.count);
    for (let row = 0; row < w.count; row++) {
      let sum = 0;
      const offset = row * w.dim;
      for (let j = 0; j < w.dim; j++) sum += w.rows[offset + j]! * query[j]!;
      scores[row] = sum;
    }
    const order = Array.from({ length: w.count }, (_, row) => row);
    return order.sort((a, b) => scores[b]! - scores[a]! || a - b).slice(0, k);
  });
}

/** Mean share of the true top-k that the contender returned (recall@k) over the checked queries. */
export function recall(contender: Contender, truth: readonly number[][]): number {
  let found = 0;
  let wanted = 0;
  truth.forEach((expected, q) => {
    const got = new Set(Array.from(contender.search(q, expected.length), Number));
    found += expected.filter((row) => got.has(row)).length;
    wanted += expected.length;
  });
  return wanted === 0 ? 1 : found / wanted;
}
