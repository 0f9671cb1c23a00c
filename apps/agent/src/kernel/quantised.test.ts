import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { randomEmbeddings } from '../scoring/random-embeddings.ts';
import { buildQuantisedKernel } from './build.ts';
import { QUANTISED_WASM_URL } from './quantised.ts';
import { QuantisedRows, toHalf } from './quantised-rows.ts';
import { ScanPool } from './scan-pool.ts';

const exactDot = (rows: Float32Array, row: number, query: Float32Array): number => {
  let sum = 0;
  for (let j = 0; j < query.length; j++) sum += rows[row * query.length + j]! * query[j]!;
  return sum;
};

const pools: ScanPool[] = [];
afterAll(() => {
  for (const pool of pools) pool.close();
});

describe('quantised.wasm', () => {
  it('is exactly what build.ts makes of the AssemblyScript source', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'voicesync-quantised-'));
    try {
      await buildQuantisedKernel(join(dir, 'quantised.wasm'));
      const rebuilt = await readFile(join(dir, 'quantised.wasm'));
      expect(Buffer.compare(rebuilt, await readFile(QUANTISED_WASM_URL))).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('toHalf', () => {
  it('encodes exactly representable values exactly and flushes tiny ones to zero', () => {
    expect(toHalf(1)).toBe(0x3c00);
    expect(toHalf(-2)).toBe(0xc000);
    expect(toHalf(0.5)).toBe(0x3800);
    expect(toHalf(2 ** -14)).toBe(0x0400);
    expect(toHalf(2 ** -15)).toBe(0);
    expect(toHalf(-(2 ** -20))).toBe(0x8000);
  });
});

describe('QuantisedRows', () => {
  for (const format of ['int8', 'f16'] as const) {
    it(`${format}: every row's approximate score is within bound() of its exact cosine`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 300 }),
          fc.integer({ min: 1, max: 12 }),
          fc.integer(),
          (count, sixteenths, seed) => {
            const dim = sixteenths * 16 - (seed & 1 ? 4 : 0);
            const rows = randomEmbeddings(count, dim, seed);
            const compact = new QuantisedRows(dim, format);
            for (let row = 0; row < count; row++) compact.set(row, rows.subarray(row * dim, (row + 1) * dim));
            const query = randomEmbeddings(1, dim, seed + 1);
            const { indices, scores } = compact.candidates(query, 64);
            expect(indices.length).toBe(Math.min(64, count));
            const bound = compact.bound(query);
            indices.forEach((row, i) => {
              expect(Math.abs(scores[i]! - exactDot(rows, row, query))).toBeLessThanOrEqual(bound);
            });
            for (let i = 1; i < scores.length; i++) expect(scores[i]!).toBeLessThanOrEqual(scores[i - 1]!);
          },
        ),
        { numRuns: 60 },
      );
    });
  }

  it('lists every row at or above a threshold, and gives up past the cap', () => {
    const dim = 64;
    const rows = randomEmbeddings(2000, dim, 3);
    const compact = new QuantisedRows(dim, 'int8');
    for (let row = 0; row < 2000; row++) compact.set(row, rows.subarray(row * dim, (row + 1) * dim));
    const query = rows.subarray(0, dim);
    const { scores } = compact.candidates(query, 64);
    const threshold = scores[9]!;
    const above = compact.above(query, threshold)!;
    const want = compact.candidates(query, 64).indices.filter((_, i) => scores[i]! >= threshold);
    expect(Array.from(above).sort((a, b) => a - b)).toEqual(Array.from(want).sort((a, b) => a - b));
    expect(compact.above(query, -1)).toBeUndefined();
  });

  it('moves the last row into a hole, like the f32 matrix', () => {
    const dim = 16;
    const rows = randomEmbeddings(3, dim, 4);
    const compact = new QuantisedRows(dim);
    for (let row = 0; row < 3; row++) compact.set(row, rows.subarray(row * dim, (row + 1) * dim));
    compact.swapRemove(0);
    expect(compact.rows).toBe(2);
    const { indices } = compact.candidates(rows.subarray(2 * dim, 3 * dim), 1);
    expect(Array.from(indices)).toEqual([0]);
  });
});

describe('ScanPool', () => {
  it('merges the workers’ ranges into exactly the single-thread candidates, also after growth', async () => {
    const dim = 192;
    const compact = new QuantisedRows(dim);
    const pool = new ScanPool(compact, 2);
    pools.push(pool);
    for (const count of [1, 7, 5000]) {
      const rows = randomEmbeddings(count, dim, count);
      for (let row = compact.rows; row < count; row++)
        compact.set(row, rows.subarray(row * dim, (row + 1) * dim));
      for (const seed of [1, 2, 3]) {
        const query = randomEmbeddings(1, dim, seed);
        const pooled = await pool.candidates(query, 40);
        const single = compact.candidates(query, 40);
        expect(Array.from(pooled.indices)).toEqual(Array.from(single.indices));
        expect(Array.from(pooled.scores)).toEqual(Array.from(single.scores));
        const threshold = single.scores[Math.min(5, single.scores.length - 1)]!;
        const above = await pool.above(query, threshold, 1024);
        expect(Array.from(above!).sort((a, b) => a - b)).toEqual(
          Array.from(compact.above(query, threshold)!),
        );
      }
    }
  });
});
