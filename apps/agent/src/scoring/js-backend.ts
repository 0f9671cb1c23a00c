// Plain-JS scoring: no setup and no native code; the portable fallback and the benchmark's baseline.
import { type ScoringBackend, checkK, checkQuery, checkRow } from './backend.ts';
import { RowMatrix } from './row-matrix.ts';
import { TopKBuffer } from './top-k-buffer.ts';

// Four accumulators break the add dependency chain; dims are multiples of 4, so there is no tail. The
// query arrives as float64 so each step converts only the row value.
function dotAt(data: Float32Array, offset: number, query: Float64Array): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let j = 0, p = offset; j < query.length; j += 4, p += 4) {
    s0 += data[p]! * query[j]!;
    s1 += data[p + 1]! * query[j + 1]!;
    s2 += data[p + 2]! * query[j + 2]!;
    s3 += data[p + 3]! * query[j + 3]!;
  }
  // Rounded to float32 before ranking so the order matches the float32 scores handed back.
  return Math.fround(s0 + s1 + (s2 + s3));
}

/**
 * Scores with an unrolled loop over a JS-heap matrix. Expect it ~1.5x slower in a process that has
 * detached any ArrayBuffer (every wasm memory.grow does): V8 then checks for detachment on each
 * typed-array access.
 */
export function createJsBackend(): ScoringBackend {
  return {
    name: 'js',
    engine: 'js',
    createMatrix: (dim) => new RowMatrix(dim),
    topK(matrix, query, k) {
      checkQuery(matrix, query);
      checkK(k);
      const best = new TopKBuffer(k);
      const { data, dim, rows } = matrix;
      const q = Float64Array.from(query);
      for (let row = 0; row < rows; row++) best.offer(row, dotAt(data, row * dim, q));
      return best.result();
    },
    dot(matrix, row, query) {
      checkQuery(matrix, query);
      checkRow(matrix, row);
      return dotAt(matrix.data, row * matrix.dim, Float64Array.from(query));
    },
  };
}
