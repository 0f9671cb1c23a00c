// Default scoring: the repo's WASM SIMD kernel scans each matrix where it lives, in the kernel's memory.
import { Kernel, compileKernel } from '../kernel/index.ts';
import { type ScoringBackend, checkK, checkQuery, checkRow } from './backend.ts';
import { RowMatrix } from './row-matrix.ts';

/**
 * Each matrix gets its own kernel instance and its rows are stored in that instance's linear memory,
 * so a query copies only `dim` floats in and growing keeps rows where they are.
 */
export function createWasmSimdBackend(): ScoringBackend {
  compileKernel();
  const kernels = new WeakMap<RowMatrix, Kernel>();

  const kernelOf = (matrix: RowMatrix): Kernel => {
    const kernel = kernels.get(matrix);
    if (!kernel) throw new TypeError('matrix was not created by this wasm-simd backend');
    return kernel;
  };

  return {
    name: 'wasm-simd',
    engine: 'wasm-simd',
    createMatrix(dim) {
      const kernel = new Kernel(dim);
      const matrix = new RowMatrix(dim, (rows) => kernel.reserve(rows));
      kernels.set(matrix, kernel);
      return matrix;
    },
    topK(matrix, query, k) {
      checkQuery(matrix, query);
      checkK(k);
      return kernelOf(matrix).topK(matrix.rows, query, k);
    },
    dot(matrix, row, query) {
      checkQuery(matrix, query);
      checkRow(matrix, row);
      return kernelOf(matrix).dot(row, query);
    },
  };
}
