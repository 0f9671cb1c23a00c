import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildKernel } from './build.ts';
import { KERNEL_WASM_URL, Kernel, MAX_K } from './index.ts';

// Float64 scores of every row, the reference the kernel's float32 results are held to.
function naiveScores(matrix: Float32Array, rows: number, dim: number, query: Float32Array): number[] {
  return Array.from({ length: rows }, (_, row) => {
    let sum = 0;
    for (let j = 0; j < dim; j++) sum += matrix[row * dim + j]! * query[j]!;
    return sum;
  });
}

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32 - 0.5;
  };
}

describe('kernel.wasm', () => {
  it('is exactly what build.ts makes of the AssemblyScript source', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'voicesync-kernel-'));
    try {
      await buildKernel(join(dir, 'kernel.wasm'));
      const rebuilt = await readFile(join(dir, 'kernel.wasm'));
      expect(Buffer.compare(rebuilt, await readFile(KERNEL_WASM_URL))).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('Kernel', () => {
  it('matches a float64 reference for any rows, dim and k', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 150 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: MAX_K }),
        fc.integer(),
        (rows, quarters, k, seed) => {
          const dim = quarters * 4;
          const random = seeded(seed);
          const kernel = new Kernel(dim);
          const matrix = kernel.reserve(rows);
          for (let i = 0; i < rows * dim; i++) matrix[i] = random();
          const query = Float32Array.from({ length: dim }, random);
          const got = kernel.topK(rows, query, k);
          const all = naiveScores(matrix, rows, dim, query);
          const want = [...all].sort((a, b) => b - a).slice(0, k);
          expect(got.indices.length).toBe(want.length);
          expect(new Set(got.indices).size).toBe(got.indices.length);
          got.indices.forEach((row, i) => {
            expect(got.scores[i]).toBeCloseTo(want[i]!, 5);
            expect(got.scores[i]).toBeCloseTo(all[row]!, 5);
            expect(kernel.dot(row, query)).toBe(got.scores[i]);
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('orders equal scores by lower row', () => {
    const kernel = new Kernel(4);
    kernel.reserve(6).set([0, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0]);
    const { indices, scores } = kernel.topK(6, new Float32Array([1, 0, 0, 0]), 4);
    expect(Array.from(indices)).toEqual([1, 3, 5, 0]);
    expect(Array.from(scores)).toEqual([1, 1, 1, 0]);
  });

  it('keeps rows in place when memory grows and hands out a fresh view', () => {
    const kernel = new Kernel(192);
    const before = kernel.reserve(1);
    before.set(new Float32Array(192).fill(0.5));
    const after = kernel.reserve(kernel.capacity * 4);
    expect(before.length).toBe(0);
    expect(after[191]).toBe(0.5);
    expect(kernel.capacity).toBeGreaterThanOrEqual(4);
  });

  it('refuses arguments that would leave its buffers', () => {
    const kernel = new Kernel(8);
    expect(() => kernel.topK(1, new Float32Array(8), MAX_K + 1)).toThrow(RangeError);
    expect(() => kernel.topK(kernel.capacity + 1, new Float32Array(8), 1)).toThrow(RangeError);
    expect(() => kernel.dot(0, new Float32Array(4))).toThrow(RangeError);
    expect(() => new Kernel(6)).toThrow(RangeError);
  });
});
