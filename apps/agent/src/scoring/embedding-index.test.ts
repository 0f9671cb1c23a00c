import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ScoringBackend } from './backend.ts';
import { createScoringBackend } from './create-scoring-backend.ts';
import { EmbeddingIndex } from './embedding-index.ts';
import { randomEmbeddings } from './random-embeddings.ts';

const DIM = 192;
let wasm: ScoringBackend;
let js: ScoringBackend;

beforeAll(async () => {
  wasm = await createScoringBackend('wasm-simd');
  js = await createScoringBackend('js');
});

function enrol(backend: ScoringBackend, ids: readonly string[], vectors: Float32Array): EmbeddingIndex {
  const index = new EmbeddingIndex({ backend, dim: DIM });
  for (const [row, id] of ids.entries()) index.upsert(id, vectors.subarray(row * DIM, (row + 1) * DIM));
  return index;
}

const ids = (count: number): string[] => Array.from({ length: count }, (_, i) => `spk-${i}`);

describe('EmbeddingIndex', () => {
  it('finds every enrolled speaker first when searched with its own embedding', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 120 }),
        fc.integer(),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        (count, seed, scale) => {
          const vectors = randomEmbeddings(count, DIM, seed);
          const index = enrol(wasm, ids(count), vectors);
          ids(count).forEach((id, row) => {
            // Scaling the probe must not matter: scores are cosines.
            const probe = vectors.subarray(row * DIM, (row + 1) * DIM).map((v) => v * scale);
            const [best] = index.search(probe, 3);
            expect(best?.speakerId).toBe(id);
            expect(best?.score).toBeCloseTo(1, 5);
            expect(index.score(id, probe)).toBe(best?.score);
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  it('after swap-removes, answers exactly like a fresh index of the remaining speakers', () => {
    const arbitrary = fc.record({
      count: fc.integer({ min: 1, max: 80 }),
      removals: fc.array(fc.nat(), { maxLength: 80 }),
      k: fc.integer({ min: 1, max: 32 }),
      seed: fc.integer(),
    });
    fc.assert(
      fc.property(arbitrary, ({ count, removals, k, seed }) => {
        const vectors = randomEmbeddings(count, DIM, seed);
        for (const backend of [wasm, js]) {
          const index = enrol(backend, ids(count), vectors);
          const removed = new Set(removals.map((r) => `spk-${r % count}`));
          for (const id of removed) expect(index.remove(id)).toBe(true);
          const fresh = new EmbeddingIndex({ backend, dim: DIM });
          ids(count).forEach((id, row) => {
            if (!removed.has(id)) fresh.upsert(id, vectors.subarray(row * DIM, (row + 1) * DIM));
          });
          expect(index.size).toBe(fresh.size);
          const query = randomEmbeddings(1, DIM, ~seed);
          expect(index.search(query, k)).toEqual(fresh.search(query, k));
          for (const id of removed) expect(index.get(id)).toBeUndefined();
        }
      }),
      { numRuns: 60 },
    );
  });

  it('overwrites an existing speaker in place', () => {
    const [a, b] = [randomEmbeddings(1, DIM, 1), randomEmbeddings(1, DIM, 2)];
    const index = new EmbeddingIndex({ backend: wasm });
    index.upsert('spk', a);
    index.upsert(
      'spk',
      b.map((v) => v * 3),
    );
    expect(index.size).toBe(1);
    expect(index.search(b, 1)[0]?.score).toBeCloseTo(1, 6);
    expect(index.remove('spk')).toBe(true);
    expect(index.remove('spk')).toBe(false);
    expect(index.search(b, 5)).toEqual([]);
    expect(index.score('spk', b)).toBeUndefined();
  });

  it('rejects bad input with stable codes', () => {
    const index = new EmbeddingIndex({ backend: wasm });
    const nan = new Float32Array(DIM).fill(NaN);
    expect(() => index.upsert('spk', new Float32Array(DIM - 4).fill(1))).toThrow(
      expect.objectContaining({ code: 'dimension_mismatch' }),
    );
    expect(() => index.upsert('spk', nan)).toThrow(expect.objectContaining({ code: 'non_finite' }));
    expect(() => index.upsert('spk', new Float32Array(DIM))).toThrow(
      expect.objectContaining({ code: 'zero_norm' }),
    );
    expect(() => index.search(new Float32Array(DIM).fill(1), 33)).toThrow(
      expect.objectContaining({ code: 'invalid_k' }),
    );
    expect(() => index.score('spk', nan)).toThrow(expect.objectContaining({ code: 'non_finite' }));
    expect(() => new EmbeddingIndex({ backend: wasm, dim: 10 })).toThrow(
      expect.objectContaining({ code: 'invalid_dimension' }),
    );
    expect(index.size).toBe(0);
  });
});
