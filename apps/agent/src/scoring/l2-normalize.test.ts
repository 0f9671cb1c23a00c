import { describe, expect, it } from 'vitest';
import { ScoringError } from './errors.ts';
import { checkDimension, l2normalize } from './l2-normalize.ts';

describe('l2normalize', () => {
  it('returns a unit-length copy and leaves the input alone', () => {
    const input = new Float32Array([3, 4, 0, 0]);
    expect(Array.from(l2normalize(input))).toEqual([Math.fround(0.6), Math.fround(0.8), 0, 0]);
    expect(Array.from(input)).toEqual([3, 4, 0, 0]);
  });

  it('keeps a direction for float32 extremes that would overflow or underflow a float32 sum', () => {
    expect(l2normalize(new Float32Array([3e38, 3e38, 0, 0]))[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(l2normalize(new Float32Array([1e-40, 0, 0, 0]))[0]).toBe(1);
  });

  it('throws ScoringError codes for wrong length, non-finite values and zero vectors', () => {
    const codeOf = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return error instanceof ScoringError ? error.code : 'other';
      }
      return 'none';
    };
    expect(codeOf(() => l2normalize(new Float32Array(3).fill(1), 4))).toBe('dimension_mismatch');
    expect(codeOf(() => l2normalize(new Float32Array([1, Infinity, 0, 0])))).toBe('non_finite');
    expect(codeOf(() => l2normalize(new Float32Array(4)))).toBe('zero_norm');
    expect(codeOf(() => checkDimension(6))).toBe('invalid_dimension');
    expect(codeOf(() => checkDimension(192))).toBe('none');
  });
});
