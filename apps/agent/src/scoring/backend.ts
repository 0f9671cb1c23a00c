// The contract every scoring backend meets, so the index and the benchmark can swap them freely.
import { MAX_K, type TopK } from '../kernel/index.ts';
import { ScoringError } from './errors.ts';
import type { RowMatrix } from './row-matrix.ts';

export type { TopK } from '../kernel/index.ts';
export { MAX_K } from '../kernel/index.ts';

export const BACKEND_NAMES = ['wasm-simd', 'tfjs', 'js'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/**
 * Exact dot-product scoring over a RowMatrix. All backends agree within 1e-5 and order equal scores by
 * lower row, so results are deterministic whichever one runs.
 */
export interface ScoringBackend {
  readonly name: BackendName;
  /** What actually computes, e.g. `tfjs-wasm` when tfjs-node could not load. */
  readonly engine: string;
  /** An empty matrix whose storage this backend scans without copying it per query. */
  createMatrix(dim: number): RowMatrix;
  /** Best min(k, rows) rows by dot product, best first. Query length is `matrix.dim`; 1 <= k <= MAX_K. */
  topK(matrix: RowMatrix, query: Float32Array, k: number): TopK;
  /** Dot product of one row with the query. */
  dot(matrix: RowMatrix, row: number, query: Float32Array): number;
}

/** Guards shared by every backend, so none reads past a buffer on bad input. */
export function checkQuery(matrix: RowMatrix, query: Float32Array): void {
  if (query.length !== matrix.dim) {
    throw new ScoringError('dimension_mismatch', `expected ${matrix.dim} values, got ${query.length}`);
  }
}

export function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1 || k > MAX_K) {
    throw new ScoringError('invalid_k', `k must be an integer in [1, ${MAX_K}], got ${k}`);
  }
}

export function checkRow(matrix: RowMatrix, row: number): void {
  if (!Number.isInteger(row) || row < 0 || row >= matrix.rows) {
    throw new RangeError(`row ${row} is outside [0, ${matrix.rows})`);
  }
}
