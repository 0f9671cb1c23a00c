import { describe, expect, it } from 'vitest';
import { shardName, shardOf } from './index.ts';

function deviceIds(n: number): string[] {
  return Array.from(
    { length: n },
    (_, i) => `dev_${(i * 2654435761).toString(16).padStart(16, '0').slice(-16)}`,
  );
}

describe('shardOf', () => {
  it('is stable for a device and within range', () => {
    for (const id of deviceIds(100)) {
      expect(shardOf(id, 4)).toBe(shardOf(id, 4));
      expect(shardOf(id, 4)).toBeGreaterThanOrEqual(0);
      expect(shardOf(id, 4)).toBeLessThan(4);
      expect(shardOf(id, 1)).toBe(0);
    }
  });

  it('spreads devices evenly over the shards (within 15 % of the mean)', () => {
    const counts = [0, 0, 0, 0];
    for (const id of deviceIds(8_000)) counts[shardOf(id, 4)]! += 1;
    for (const count of counts) expect(Math.abs(count - 2_000)).toBeLessThan(300);
  });

  it('names shard 0 as the single Relay was named', () => {
    expect(shardName(0)).toBe('relay');
    expect(shardName(3)).toBe('relay-3');
  });
});
