// Enrolment: a profile is the L2-normalised sum of its unit samples; the sum (float64) is what merges.
import { addSums, centroidOfSum, type SampleSum, sumOfCentroid, sumOfSamples } from '@voicesync/core';
import { ScoringError } from '../scoring/index.ts';

/** What an enrolment produces: the new profile content, and the delta that travels to the edge. */
export interface Enrolled {
  embedding: Float32Array;
  totalSamples: number;
  /** The profile's new sum of unit samples (kept locally, as upstream). */
  sampleSum: SampleSum;
  /** Only what this enrolment adds: the edge adds it to whatever it holds, so devices never overwrite each other. */
  enrolment: { sampleSum: SampleSum; samples: number };
}

/**
 * New centroid after adding `samples` to a profile. Every sample is normalised first, so each
 * utterance counts once whatever its norm; the profile's float64 sum is added to exactly, so the
 * result is the centroid of all its samples however they were split into enrolments and devices.
 * A profile written whole (no sum stored) stands in as its unit embedding times its count.
 */
export function centroidUpdate(
  current: { embedding: Float32Array; totalSamples: number; sampleSum?: SampleSum | null } | undefined,
  samples: Float32Array[],
  dim: number,
): Enrolled {
  const delta = sumOfSamples(samples, dim);
  const base = current
    ? (current.sampleSum ?? sumOfCentroid(current.embedding, current.totalSamples))
    : undefined;
  const sampleSum = base ? addSums(base, delta) : delta.slice();
  const embedding = centroidOfSum(sampleSum);
  if (!embedding) {
    throw new ScoringError(
      'zero_norm',
      'the samples cancel out: their centroid with the profile is all zeros',
    );
  }
  return {
    embedding,
    totalSamples: (current?.totalSamples ?? 0) + samples.length,
    sampleSum,
    enrolment: { sampleSum: delta, samples: samples.length },
  };
}
