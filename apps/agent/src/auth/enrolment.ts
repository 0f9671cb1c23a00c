// Enrolment: a profile is the L2-normalised running centroid of its utterance embeddings.
import { l2normalize, ScoringError } from '../scoring/index.ts';

/**
 * New centroid after adding `samples` to a profile that already averages `totalSamples`
 * utterances. The stored centroid is normalised, so it is weighted by its sample count and every
 * new sample is normalised before it is added: each utterance counts once, whatever its norm.
 * This equals the batch centroid when the utterances agree and stays within a fraction of a
 * degree of it for one speaker's (strongly correlated) utterances; it is not meant for mixing voices.
 */
export function centroidUpdate(
  current: { embedding: Float32Array; totalSamples: number } | undefined,
  samples: Float32Array[],
  dim: number,
): { embedding: Float32Array; totalSamples: number } {
  const sum = new Float32Array(dim);
  const previous = current ? current.totalSamples : 0;
  if (current) {
    const base = l2normalize(current.embedding, dim);
    for (let i = 0; i < dim; i++) sum[i] = (base[i] ?? 0) * previous;
  }
  for (const sample of samples) {
    const unit = l2normalize(sample, dim);
    for (let i = 0; i < dim; i++) sum[i] = (sum[i] ?? 0) + (unit[i] ?? 0);
  }
  if (sum.every((value) => value === 0)) {
    throw new ScoringError(
      'zero_norm',
      'the samples cancel out: their centroid with the profile is all zeros',
    );
  }
  return { embedding: l2normalize(sum, dim), totalSamples: previous + samples.length };
}
