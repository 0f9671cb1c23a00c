import { describe, expect, it } from 'vitest';
import { backoffDelay, halfJitter } from './index.ts';

describe('backoffDelay', () => {
  it('doubles from 1 s and caps at 60 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelay(n))).toEqual([
      1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000,
    ]);
  });

  it('applies an injected jitter within [d/2, d]', () => {
    expect(backoffDelay(3, { jitter: halfJitter(() => 0) })).toBe(2000);
    expect(backoffDelay(3, { jitter: halfJitter(() => 0.999999) })).toBeCloseTo(4000, 0);
  });
});
