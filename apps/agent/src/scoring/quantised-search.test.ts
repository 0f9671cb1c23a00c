import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScoringBackend } from './backend.ts';
import { createScoringBackend } from './create-scoring-backend.ts';
import { EmbeddingIndex } from './embedding-index.ts';
import { l2normalize } from './l2-normalize.ts';
import { provenTopK } from './quantised-search.ts';
import { randomEmbeddings } from './random-embeddings.ts';

const DIM = 48;
let backend: ScoringBackend;
const opened: EmbeddingIndex[] = [];
beforeAll(async () => {
  backend = await createScoringBackend('wasm-simd');
});
afterAll(() => {
  for (const index of opened) index.close();
});

type Op =
  | { kind: 'put'; id: number; seed: number }
  | { kind: 'enrol'; id: number; seed: number }
  | { kind: 'delete'; id: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({ kind: fc.constant('put' as const), id: fc.nat(60), seed: fc.integer() }),
    weight: 6,
  },
  {
    arbitrary: fc.record({ kind: fc.constant('enrol' as const), id: fc.nat(60), seed: fc.integer() }),
    weight: 2,
  },
  { arbitrary: fc.record({ kind: fc.constant('delete' as const), id: fc.nat(60) }), weight: 2 },
);

// Brute force in float64 over the reference's own copy of every live (normalised) embedding.
function bruteTop1(
  live: Map<string, Float32Array>,
  query: Float32Array,
): { id: string; margin: number } | undefined {
  const unit = l2normalize(query);
  const scored = [...live].map(([id, v]) => ({ id, score: v.reduce((s, x, j) => s + x * unit[j]!, 0) }));
  scored.sort((a, b) => b.score - a.score);
  const [best, second] = scored;
  return best && { id: best.id, margin: second ? best.score - second.score : 1 };
}

describe('quantised search', () => {
  it('after any puts, enrolments and deletes, quantised (f32 rows in a file or in memory) and f32 indexes give the brute-force top-1 and identical scores', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 300, size: 'max' }),
        fc.integer(),
        async (ops, probeSeed) => {
          const f32 = new EmbeddingIndex({ backend, dim: DIM, quantised: false });
          // Low thresholds (the subject here): the compact copy is built mid-sequence, at 8 speakers,
          // and every search from then on takes the quantised path, sync and pooled.
          const quantised = new EmbeddingIndex({
            backend,
            dim: DIM,
            quantised: { minRows: 8, threadMinRows: 0, threads: 2 },
          });
          // The same, keeping the f32 rows in memory instead of the row file.
          const inMemory = new EmbeddingIndex({
            backend,
            dim: DIM,
            quantised: { minRows: 8, threadMinRows: 0, threads: 1, exactRows: 'memory' },
          });
          opened.push(quantised, inMemory);
          const live = new Map<string, Float32Array>();
          for (const step of ops) {
            const id = `spk-${step.id}`;
            if (step.kind === 'delete') {
              expect(quantised.remove(id)).toBe(f32.remove(id));
              inMemory.remove(id);
              live.delete(id);
              continue;
            }
            let vector = randomEmbeddings(1, DIM, step.seed);
            const current = live.get(id);
            // An enrolment moves the stored centroid towards a new sample, as Authenticator does.
            if (step.kind === 'enrol' && current) vector = vector.map((v, j) => v + 3 * current[j]!);
            f32.upsert(id, vector);
            quantised.upsert(id, vector);
            inMemory.upsert(id, vector);
            live.set(id, l2normalize(vector));
          }
          // A noisy probe of every live speaker (moved rows included), then random ones (low scores: the second pass).
          const noise = randomEmbeddings(live.size + 6, DIM, probeSeed);
          const probes: Float32Array[] = [...live.values()].map((target, p) =>
            target.map((v, j) => v + 0.4 * noise[p * DIM + j]!),
          );
          for (let p = live.size; p < live.size + 6; p++) probes.push(noise.subarray(p * DIM, (p + 1) * DIM));
          for (const [p, probe] of probes.entries()) {
            const k = 1 + (p % 5);
            const want = f32.search(probe, k);
            expect(quantised.search(probe, k)).toEqual(want);
            expect(await quantised.searchAsync(probe, k)).toEqual(want);
            expect(inMemory.search(probe, k)).toEqual(want);
            expect(await inMemory.searchAsync(probe, k)).toEqual(want);
            // verify stays an exact 1:1 comparison wherever the row lives.
            for (const hit of want) expect(quantised.score(hit.speakerId, probe)).toBe(hit.score);
            const brute = bruteTop1(live, probe);
            if (brute && brute.margin > 1e-5) expect(want[0]?.speakerId).toBe(brute.id);
          }
          quantised.close();
          inMemory.close();
        },
      ),
      { numRuns: 30 },
    );
  }, 120_000);

  it('answers a search that a write interrupted as if the write came first', async () => {
    const index = new EmbeddingIndex({
      backend,
      dim: DIM,
      quantised: { minRows: 0, threadMinRows: 0, threads: 2 },
    });
    opened.push(index);
    const f32 = new EmbeddingIndex({ backend, dim: DIM, quantised: false });
    const rows = randomEmbeddings(3000, DIM, 11);
    for (let r = 0; r < 3000; r++) {
      index.upsert(`s${r}`, rows.subarray(r * DIM, (r + 1) * DIM));
      f32.upsert(`s${r}`, rows.subarray(r * DIM, (r + 1) * DIM));
    }
    const probe = rows.subarray(5 * DIM, 6 * DIM);
    const pending = index.searchAsync(probe, 3);
    index.remove('s5');
    f32.remove('s5');
    expect(await pending).toEqual(f32.search(probe, 3));
    index.close();
  });

  it('scores candidates only until the top k is proven, and says so when the list runs out first', () => {
    const candidates = {
      indices: Int32Array.from([7, 3, 9, 1, 4]),
      scores: Float32Array.from([0.9, 0.8, 0.5, 0.45, 0.1]),
    };
    const exactOf = new Map([
      [7, 0.89],
      [3, 0.81],
      [9, 0.52],
      [1, 0.44],
      [4, 0.11],
    ]);
    const read: number[] = [];
    const exact = (row: number) => {
      read.push(row);
      return exactOf.get(row)!;
    };
    // k = 1, bound 0.1: after row 7 (0.89), row 3's 0.8 + 0.1 could still win; after it, 0.5 + 0.1 cannot.
    expect(provenTopK(candidates, 1000, 1, 0.1, exact)).toEqual({
      top: { indices: Int32Array.from([7]), scores: Float32Array.from([0.89]) },
      proven: true,
    });
    expect(read).toEqual([7, 3]);
    // A bound wide enough to reach past the last candidate: every candidate read, and no proof.
    read.length = 0;
    expect(provenTopK(candidates, 1000, 2, 0.9, exact).proven).toBe(false);
    expect(read).toEqual([7, 3, 9, 1, 4]);
    // Unless the candidates are every row there is.
    expect(provenTopK(candidates, 5, 2, 0.9, exact).proven).toBe(true);
  });
});
