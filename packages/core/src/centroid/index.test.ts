import { describe, expect, it } from 'vitest';
import {
  addSums,
  bytesToFloat64,
  centroidOfSum,
  enrolmentHash,
  float64ToBytes,
  sumOfCentroid,
  sumOfSamples,
} from './index.ts';

const samples = [
  [3, 4, 0, 0],
  [0, 0, 2, 0],
  [1, 1, 1, 1],
];

describe('sample sums', () => {
  it('count every sample once whatever its norm', () => {
    const sum = sumOfSamples(samples, 4);
    expect(Array.from(sum)).toEqual([0.6 + 0.5, 0.8 + 0.5, 1 + 0.5, 0.5]);
  });

  it('merge by addition: split enrolments give the centroid of all samples', () => {
    const whole = centroidOfSum(sumOfSamples(samples, 4));
    const merged = centroidOfSum(
      addSums(sumOfSamples(samples.slice(0, 1), 4), sumOfSamples(samples.slice(1), 4)),
    );
    expect(Array.from(merged!)).toEqual(Array.from(whole!));
  });

  it('stand in for a centroid written whole, weighted by its count', () => {
    const sum = sumOfCentroid([0, 2, 0, 0], 5);
    expect(Array.from(sum)).toEqual([0, 5, 0, 0]);
    expect(Array.from(centroidOfSum(sum)!)).toEqual([0, 1, 0, 0]);
  });

  it('have no centroid when they cancel out', () => {
    expect(
      centroidOfSum(
        sumOfSamples(
          [
            [1, 0, 0, 0],
            [-1, 0, 0, 0],
          ],
          4,
        ),
      ),
    ).toBeNull();
  });

  it('round-trip through little-endian float64 bytes exactly', () => {
    const sum = sumOfSamples(samples, 4);
    expect(Array.from(bytesToFloat64(float64ToBytes(sum)))).toEqual(Array.from(sum));
    expect(() => bytesToFloat64(new Uint8Array(7))).toThrow(/multiple of 8/);
  });
});

describe('enrolmentHash', () => {
  it('changes with any part of the delta', async () => {
    const base = {
      speakerId: 'ada',
      name: 'Ada',
      acousticFeatures: null,
      sampleSum: [1, 0, 0, 0],
      samples: 1,
    };
    const hash = await enrolmentHash(base);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await enrolmentHash({ ...base })).toBe(hash);
    expect(await enrolmentHash({ ...base, samples: 2 })).not.toBe(hash);
    expect(await enrolmentHash({ ...base, sampleSum: [1, 0, 0, 1e-12] })).not.toBe(hash);
    expect(await enrolmentHash({ ...base, name: 'Eve' })).not.toBe(hash);
  });
});
