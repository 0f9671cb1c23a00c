// Where the exact f32 unit rows live: in the backend's matrix (small indexes) or in a file (large ones).
import type { ScoringBackend, TopK } from './backend.ts';
import type { RowMatrix } from './row-matrix.ts';

/** The f32 rows of an index, scored with the backend's kernel wherever they are kept. */
export interface ExactRows {
  readonly rows: number;
  /** Overwrites `row`, or appends when `row === rows`. */
  set(row: number, unit: Float32Array): void;
  /** Drops the last row after moving it into `hole`. */
  swapRemove(hole: number): void;
  /** A copy of one row. */
  copy(row: number): Float32Array;
  /** Copies rows [first, first + out.length / dim) into `out` (a snapshot reads them in big ranges). */
  readRows(first: number, out: Float32Array): void;
  /** Appends whole unit rows back to back (a snapshot restores them in big ranges). */
  appendRows(rows: Float32Array): void;
  /** Exact cosine of one row with the unit query: bit-identical to that row's score in `topK`. */
  score(row: number, unit: Float32Array): number;
  /** The exact scan: best k rows, best first, ties by lower row. */
  topK(unit: Float32Array, k: number): TopK;
  /** Bytes of process memory these rows take per row. */
  readonly bytesPerRow: number;
  close(): void;
}

/** Rows in the backend's own matrix: one kernel pass scans them, the fast path for small indexes. */
export class MemoryRows implements ExactRows {
  readonly matrix: RowMatrix;
  readonly #backend: ScoringBackend;

  constructor(backend: ScoringBackend, dim: number) {
    this.#backend = backend;
    this.matrix = backend.createMatrix(dim);
  }

  get rows(): number {
    return this.matrix.rows;
  }

  get bytesPerRow(): number {
    return this.matrix.dim * 4;
  }

  set(row: number, unit: Float32Array): void {
    this.matrix.set(row, unit);
  }

  swapRemove(hole: number): void {
    this.matrix.swapRemove(hole);
  }

  copy(row: number): Float32Array {
    return this.matrix.row(row).slice();
  }

  readRows(first: number, out: Float32Array): void {
    const dim = this.matrix.dim;
    for (let r = 0; r * dim < out.length; r++) out.set(this.matrix.row(first + r), r * dim);
  }

  appendRows(rows: Float32Array): void {
    const dim = this.matrix.dim;
    for (let at = 0; at < rows.length; at += dim)
      this.matrix.set(this.matrix.rows, rows.subarray(at, at + dim));
  }

  score(row: number, unit: Float32Array): number {
    return this.#backend.dot(this.matrix, row, unit);
  }

  topK(unit: Float32Array, k: number): TopK {
    return this.#backend.topK(this.matrix, unit, k);
  }

  close(): void {}
}
