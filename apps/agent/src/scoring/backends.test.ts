import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { BACKEND_NAMES, MAX_K, type ScoringBackend, type TopK } from './backend.ts';
import { createScoringBackend } from './create-scoring-backend.ts';
import { ScoringError } from './errors.ts';
import { randomEmbeddings } from './random-embeddings.ts';
import type { TfjsEngine } from './tfjs-backend.ts';

const TOLERANCE = 1e-5;
const backends: ScoringBackend[] = [];
const fallbacks: TfjsEngine[] = [];

beforeAll(async () => {
  for (const name of BACKEND_NAMES) {
    backends.push(await createScoringBackend(name, { onFallback: (engine) => fallbacks.push(engine) }));
  }
}, 60_000);

function exactScores(rows: Float32Array, count: number, dim: number, query: Float32Array): number[] {
  return Array.from({ length: count }, (_, row) => {
    let sum = 0;
    for (let j = 0; j < dim; j++) sum += rows[row * dim + j]! * query[j]!;
    return sum;
  });
}

// Scores must match position by position; an index may differ from the reference only where the two
// rows' exact scores are within tolerance (a near-tie that float32 rounding can order either way).
function expectAgrees(got: TopK, exact: number[], k: number): void {
  const order = exact
    .map((score, row) => ({ score, row }))
    .sort((a, b) => b.score - a.score || a.row - b.row);
  const want = order.slice(0, k);
  expect(got.indices.length).toBe(want.length);
  expect(new Set(got.indices).size).toBe(got.indices.length);
  want.forEach(({ score, row }, i) => {
    const gotRow = got.indices[i]!;
    expect(Math.abs(got.scores[i]! - score)).toBeLessThanOrEqual(TOLERANCE);
    if (gotRow !== row) expect(Math.abs(exact[gotRow]! - score)).toBeLessThanOrEqual(TOLERANCE);
  });
}

function load(backend: ScoringBackend, rows: Float32Array, dim: number) {
  const matrix = backend.createMatrix(dim);
  for (let row = 0; row < rows.length / dim; row++)
    matrix.set(row, rows.subarray(row * dim, (row + 1) * dim));
  return matrix;
}

describe('scoring backends', () => {
  it('loads tfjs through its fallbacks without the tfjs-node native addon', () => {
    const tfjs = backends.find((b) => b.name === 'tfjs')!;
    expect(['tfjs-node', 'tfjs-wasm', 'tfjs-cpu']).toContain(tfjs.engine);
    if (tfjs.engine !== 'tfjs-node') expect(fallbacks).toContain('tfjs-node');
  });

  it('agree with exact scores and each other on random data', () => {
    const arbitrary = fc.record({
      count: fc.integer({ min: 0, max: 300 }),
      dim: fc.constantFrom(4, 8, 12, 36, 192),
      k: fc.integer({ min: 1, max: MAX_K }),
      seed: fc.integer(),
      duplicates: fc.integer({ min: 0, max: 5 }),
    });
    fc.assert(
      fc.property(arbitrary, ({ count, dim, k, seed, duplicates }) => {
        const rows = randomEmbeddings(count + duplicates, dim, seed);
        // Copies of earlier rows create exact ties, which must resolve to the lower row everywhere.
        for (let d = 0; d < duplicates && count > 0; d++)
          rows.copyWithin((count + d) * dim, (d % count) * dim, ((d % count) + 1) * dim);
        const total = count > 0 ? count + duplicates : 0;
        const query = randomEmbeddings(1, dim, seed ^ 0x5eed);
        const exact = exactScores(rows, total, dim, query);
        for (const backend of backends) {
          const matrix = load(backend, rows.subarray(0, total * dim), dim);
          const got = backend.topK(matrix, query, k);
          expectAgrees(got, exact, k);
          got.indices.forEach((row, i) => {
            expect(Math.abs(backend.dot(matrix, row, query) - got.scores[i]!)).toBeLessThanOrEqual(TOLERANCE);
          });
        }
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it('break exact ties by lower row on every backend', () => {
    const dim = 8;
    const unit = new Float32Array(dim).fill(Math.SQRT1_2 / 2);
    const other = Float32Array.from({ length: dim }, (_, j) => (j === 0 ? 1 : 0));
    for (const backend of backends) {
      const matrix = backend.createMatrix(dim);
      for (const [i, row] of [other, unit, other, unit, unit].entries()) matrix.set(i, row);
      expect(Array.from(backend.topK(matrix, unit, 4).indices)).toEqual([1, 3, 4, 0]);
    }
  });

  it('reject a wrong query length or k outside [1, MAX_K] with a ScoringError code', () => {
    for (const backend of backends) {
      const matrix = backend.createMatrix(4);
      matrix.set(0, new Float32Array([1, 0, 0, 0]));
      expect(() => backend.topK(matrix, new Float32Array(8), 1)).toThrow(
        expect.objectContaining({ code: 'dimension_mismatch' }),
      );
      expect(() => backend.topK(matrix, new Float32Array(4), MAX_K + 1)).toThrow(ScoringError);
      expect(() => backend.topK(matrix, new Float32Array(4), 0)).toThrow(
        expect.objectContaining({ code: 'invalid_k' }),
      );
      expect(() => backend.dot(matrix, 1, new Float32Array(4))).toThrow(RangeError);
    }
  });

  it('see writes made after a query (tfjs refreshes its cached tensor)', () => {
    for (const backend of backends) {
      const matrix = backend.createMatrix(4);
      matrix.set(0, new Float32Array([1, 0, 0, 0]));
      const query = new Float32Array([0, 1, 0, 0]);
      expect(backend.topK(matrix, query, 1).scores[0]).toBe(0);
      matrix.set(1, query);
      expect(Array.from(backend.topK(matrix, query, 2).indices)).toEqual([1, 0]);
    }
  });
});
