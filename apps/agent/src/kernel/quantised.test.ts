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

  it('int8: codes are Math.round(x / scale), halves up, with the f32 scale max|x| / 127, as the JS encoding was', () => {
    // Row 0 has scale 1 exactly, so its values are exact halves: the rounding rule itself is tested.
    const halves = [127, 63.5, -63.5, 0.5, -0.5, 2.5, -2.5, 0, 1.5, -1.5, 126.5, -126.5];
    const dim = 12;
    const rows = new Float32Array([...halves, ...randomEmbeddings(50, dim, 7)]);
    const compact = new QuantisedRows(dim, 'int8');
    let maxScale = 0;
    let maxResidual = 0;
    for (let row = 0; row < 51; row++) {
      const unit = rows.subarray(row * dim, (row + 1) * dim);
      compact.set(row, unit);
      const max = Math.max(...Array.from(unit, Math.abs));
      const scale = max === 0 ? 1 : max / 127;
      const stored = Math.fround(scale);
      const codes = Array.from(unit, (x) => Math.round(x * (1 / scale)) || 0);
      const { stride, paddedDim } = compact.layout;
      const saved = compact.codeBytes().slice(row * stride, (row + 1) * stride);
      expect(Array.from(new Int8Array(saved.buffer, 0, dim))).toEqual(codes);
      expect(new Float32Array(saved.buffer, paddedDim, 1)[0]).toBe(stored);
      maxScale = Math.max(maxScale, stored);
      maxResidual = Math.max(maxResidual, Math.hypot(...Array.from(unit, (x, j) => x - codes[j]! * stored)));
    }
    expect(Array.from(compact.codeBytes().subarray(0, dim), (b) => (b << 24) >> 24)).toEqual([
      127, 64, -63, 1, 0, 3, -2, 0, 2, -1, 127, -126,
    ]);
    expect(compact.maxScale).toBe(maxScale);
    expect(compact.maxResidual).toBeCloseTo(maxResidual, 12);
  });

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
