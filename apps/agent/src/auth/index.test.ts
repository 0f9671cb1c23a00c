import { describe, expect, it } from 'vitest';
import { createScoringBackend, EmbeddingIndex, l2normalize } from '../scoring/index.ts';
import { randomEmbedding, tempStore } from '../testing/index.ts';
import { centroidUpdate } from './enrolment.ts';
import { Authenticator, Cohort } from './index.ts';
import { topStats } from './cohort.ts';

const DIM = 192;
const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, v, i) => sum + v * (b[i] ?? 0), 0);

async function setup(mode: 'none' | 's-norm' | 'as-norm', cohortSize = 50) {
  const store = await tempStore();
  const cohort = new Cohort(store, DIM);
  await cohort.replace(Array.from({ length: cohortSize }, (_, i) => randomEmbedding(10_000 + i)));
  const index = new EmbeddingIndex({ backend: await createScoringBackend('js'), dim: DIM });
  const auth = new Authenticator(index, cohort, {
    threshold: 0.25,
    speakerThresholds: { strict: 0.99 },
    normalization: { mode, topN: 10, threshold: 2.5 },
  });
  const profile = (speakerId: string, seed: number) => ({
    speakerId,
    name: speakerId,
    embedding: randomEmbedding(seed),
    acousticFeatures: null,
    totalSamples: 1,
    contentHash: '',
    version: 1,
    updatedAt: 0,
  });
  auth.load(profile('alice', 1));
  auth.load(profile('strict', 2));
  return { store, cohort, auth };
}

describe('Authenticator', () => {
  it('scores plain cosine against the tenant threshold and honours a speaker override', async () => {
    const { store, auth } = await setup('none');
    const probe = randomEmbedding(1);
    const result = auth.verify('alice', probe);
    expect(result.score).toBeCloseTo(1, 5);
    expect(result).toMatchObject({ accepted: true, threshold: 0.25 });
    expect(auth.verify('strict', randomEmbedding(2)).threshold).toBe(0.99);
    expect(() => auth.verify('nobody', probe)).toThrow(/unknown speaker/);
    store.cleanup();
  });

  it('s-norm is the mean of the z-scores against the cohort, and uses its own threshold', async () => {
    const { store, cohort, auth } = await setup('s-norm');
    const probe = l2normalize(randomEmbedding(3), DIM);
    const model = l2normalize(randomEmbedding(1), DIM);
    const raw = dot(probe, model);
    const q = topStats(cohort.scores(probe));
    const m = topStats(cohort.scores(model));
    const expected = 0.5 * ((raw - q.mean) / q.std + (raw - m.mean) / m.std);
    const result = auth.verify('alice', randomEmbedding(3));
    expect(result.rawScore).toBeCloseTo(raw, 5);
    expect(result.score).toBeCloseTo(expected, 4);
    expect(result.threshold).toBe(2.5);
    expect(auth.verify('alice', randomEmbedding(1)).accepted).toBe(true);
    store.cleanup();
  });

  it('as-norm uses only the topN highest cohort scores', async () => {
    const { store, cohort, auth } = await setup('as-norm');
    const probe = l2normalize(randomEmbedding(4), DIM);
    const model = l2normalize(randomEmbedding(1), DIM);
    const top = (scores: Float32Array) =>
      Float32Array.from(scores)
        .sort()
        .subarray(scores.length - 10);
    const stats = (values: Float32Array) => {
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      return { mean, std: Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length) };
    };
    const q = stats(top(cohort.scores(probe)));
    const m = stats(top(cohort.scores(model)));
    const raw = dot(probe, model);
    const expected = 0.5 * ((raw - q.mean) / q.std + (raw - m.mean) / m.std);
    expect(auth.verify('alice', randomEmbedding(4)).score).toBeCloseTo(expected, 4);
    const identified = auth.identify(randomEmbedding(1), 2);
    expect(identified.matches[0]?.speakerId).toBe('alice');
    expect(identified.accepted).toBe(true);
    store.cleanup();
  });

  it('falls back to plain cosine when the cohort is too small to normalise', async () => {
    const { store, auth } = await setup('s-norm', 1);
    expect(auth.verify('alice', randomEmbedding(1)).threshold).toBe(0.25);
    store.cleanup();
  });
});

describe('centroidUpdate', () => {
  it('is the normalised sum of normalised samples, and the incremental update lands on it', () => {
    // Utterances of one speaker are strongly correlated: a voice plus per-utterance noise.
    const voice = randomEmbedding(1);
    const samples = [2, 3, 4, 5].map((seed) => {
      const noise = randomEmbedding(seed);
      return voice.map((v, i) => v + 0.3 * (noise[i] ?? 0));
    });
    const once = centroidUpdate(undefined, samples, DIM);
    const first = centroidUpdate(undefined, samples.slice(0, 2), DIM);
    const incremental = centroidUpdate(first, samples.slice(2), DIM);
    expect(once.totalSamples).toBe(4);
    expect(incremental.totalSamples).toBe(4);
    const sum = new Float32Array(DIM);
    for (const sample of samples) {
      const unit = l2normalize(sample, DIM);
      for (let i = 0; i < DIM; i++) sum[i] = (sum[i] ?? 0) + (unit[i] ?? 0);
    }
    const expected = l2normalize(sum, DIM);
    for (let i = 0; i < DIM; i++) expect(once.embedding[i]).toBeCloseTo(expected[i] ?? 0, 5);
    // The float64 sum carries over, so splitting the samples changes nothing but rounding.
    for (let i = 0; i < DIM; i++) expect(incremental.embedding[i]).toBeCloseTo(once.embedding[i] ?? 0, 6);
    expect(incremental.enrolment).toMatchObject({ samples: 2 });
    expect(dot(once.embedding, l2normalize(voice, DIM))).toBeGreaterThan(0.95);
  });
});
