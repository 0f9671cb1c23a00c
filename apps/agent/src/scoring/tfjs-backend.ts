// tfjs scoring for comparison: tfjs-node when its native addon loads, else the tfjs wasm backend, else cpu.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type * as Tf from '@tensorflow/tfjs-core';
import { type ScoringBackend, checkK, checkQuery, checkRow } from './backend.ts';
import { RowMatrix } from './row-matrix.ts';

export type TfjsEngine = 'tfjs-node' | 'tfjs-wasm' | 'tfjs-cpu';

/** Told why a preferred tfjs engine was skipped; the caller logs it. */
export type OnFallback = (engine: TfjsEngine, error: unknown) => void;

type Tfjs = typeof Tf;

// tfjs-node is optional and ships without its native build here; a computed specifier keeps
// typecheck and bundlers from requiring it to exist.
const TFJS_NODE = '@tensorflow/tfjs-node';

async function loadEngine(onFallback: OnFallback): Promise<{ tf: Tfjs; engine: TfjsEngine }> {
  try {
    const tf = (await import(TFJS_NODE)) as Tfjs;
    if (await tf.setBackend('tensorflow')) return { tf, engine: 'tfjs-node' };
    throw new Error('tfjs-node loaded but the tensorflow backend did not initialise');
  } catch (error) {
    onFallback('tfjs-node', error);
  }
  const tf = await import('@tensorflow/tfjs-core');
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // In Node the wasm binaries are read from disk; point tfjs at the copies inside its own package.
    const dist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
    wasm.setWasmPaths(`${dist}/`);
    if (await tf.setBackend('wasm')) return { tf, engine: 'tfjs-wasm' };
    throw new Error('tfjs wasm backend did not initialise');
  } catch (error) {
    onFallback('tfjs-wasm', error);
  }
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  return { tf, engine: 'tfjs-cpu' };
}

interface Cached {
  readonly version: number;
  readonly tensor: Tf.Tensor2D;
}

/** Keeps each matrix as a tensor, rebuilt when the matrix version changes, and ranks with tf.topk. */
export async function createTfjsBackend(onFallback: OnFallback): Promise<ScoringBackend> {
  const { tf, engine } = await loadEngine(onFallback);
  const tensors = new WeakMap<RowMatrix, Cached>();
  // Tensor memory is outside the JS heap: free it once the matrix it mirrors is garbage.
  const orphans = new FinalizationRegistry<Tf.Tensor2D>((tensor) => tensor.dispose());

  const tensorOf = (matrix: RowMatrix): Tf.Tensor2D => {
    const cached = tensors.get(matrix);
    if (cached?.version === matrix.version) return cached.tensor;
    if (cached) {
      orphans.unregister(cached);
      cached.tensor.dispose();
    }
    const { data, rows, dim } = matrix;
    const fresh = { version: matrix.version, tensor: tf.tensor2d(data.subarray(0, rows * dim), [rows, dim]) };
    tensors.set(matrix, fresh);
    orphans.register(matrix, fresh.tensor, fresh);
    return fresh.tensor;
  };

  return {
    name: 'tfjs',
    engine,
    createMatrix: (dim) => new RowMatrix(dim),
    topK(matrix, query, k) {
      checkQuery(matrix, query);
      checkK(k);
      const n = Math.min(k, matrix.rows);
      if (n === 0) return { indices: new Int32Array(0), scores: new Float32Array(0) };
      const rows = tensorOf(matrix);
      return tf.tidy(() => {
        const scores = tf.reshape(tf.matMul(rows, tf.tensor2d(query, [1, matrix.dim]), false, true), [
          matrix.rows,
        ]);
        const best = tf.topk(scores, n);
        return {
          indices: best.indices.dataSync() as Int32Array,
          scores: best.values.dataSync() as Float32Array,
        };
      });
    },
    dot(matrix, row, query) {
      checkQuery(matrix, query);
      checkRow(matrix, row);
      const rows = tensorOf(matrix);
      return tf.tidy(() => {
        const one = tf.reshape(tf.slice(rows, [row, 0], [1, matrix.dim]), [matrix.dim]);
        return tf.dot(one, tf.tensor1d(query)).dataSync()[0]!;
      });
    },
  };
}
