import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PRIORITY_LIMITS,
  isPriority,
  PRIORITY_LEVELS,
  perPriority,
  Priority,
  toPriority,
} from './index.ts';

describe('Priority levels', () => {
  it('a stored level comes back typed, anything else is refused', () => {
    expect(PRIORITY_LEVELS.map(toPriority)).toEqual([0, 1, 2, 3, 4]);
    expect(() => toPriority(5)).toThrow(RangeError);
    expect(() => toPriority(1.5)).toThrow(RangeError);
    expect(isPriority(-1)).toBe(false);
  });

  it('per-name limits become per-level quotas', () => {
    expect(perPriority(DEFAULT_PRIORITY_LIMITS)).toEqual({
      [Priority.CRITICAL]: 1000,
      [Priority.HIGH]: 500,
      [Priority.NORMAL]: 200,
      [Priority.LOW]: 100,
      [Priority.DEFERRED]: 50,
    });
  });
});
