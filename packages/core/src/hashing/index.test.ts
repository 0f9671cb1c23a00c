import { describe, expect, it } from 'vitest';
import { canonicalJson, profileContentHash, tombstoneHash } from './index.ts';

const base = {
  speakerId: 's1',
  name: 'Ada',
  embedding: [0.5, -0.25, 1, 0],
  acousticFeatures: { b: 1, a: [2, { d: 1, c: 0.1 }] },
  totalSamples: 3,
};

describe('content hash', () => {
  it('sorts keys at every level', () => {
    expect(canonicalJson({ b: 1, a: [2, { d: 1, c: 0.1 }] })).toBe('{"a":[2,{"c":0.1,"d":1}],"b":1}');
  });

  it('is stable, lowercase hex, and independent of key order', async () => {
    const hash = await profileContentHash(base);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await profileContentHash({ ...base, acousticFeatures: { a: [2, { c: 0.1, d: 1 }], b: 1 } })).toBe(
      hash,
    );
  });

  it('changes with every content field', async () => {
    const hash = await profileContentHash(base);
    const variants = [
      { ...base, name: 'Ada ' },
      { ...base, speakerId: 's2' },
      { ...base, embedding: [0.5, -0.25, 1, 1e-7] },
      { ...base, totalSamples: 4 },
      { ...base, acousticFeatures: null },
    ];
    for (const variant of variants) expect(await profileContentHash(variant)).not.toBe(hash);
    expect(await tombstoneHash('s1')).not.toBe(hash);
  });
});
