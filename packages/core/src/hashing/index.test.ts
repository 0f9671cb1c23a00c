import { describe, expect, it } from 'vitest';
import { bytesToBase64, float32ToBytes } from '../bytes/index.ts';
import { canonicalJson, profileContentHash, tombstoneHash, uploadedContentHash } from './index.ts';

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

  it('hashes an upload in place as it hashes the decoded profile, and only dim finite floats', async () => {
    const { embedding, ...rest } = base;
    const upload = { ...rest, embeddingB64: bytesToBase64(float32ToBytes(embedding)) };
    expect(await uploadedContentHash(upload, 4)).toBe(await profileContentHash(base));
    // Longer texts than the scratch first holds grow it.
    const long = { ...upload, name: 'é'.repeat(10_000) };
    expect(await uploadedContentHash(long, 4)).toBe(await profileContentHash({ ...base, name: long.name }));
    // ASCII first, then a surrogate pair and other non-ASCII text.
    for (const name of ['Ada 😀 é', 'Zoë', '😀']) {
      expect(await uploadedContentHash({ ...upload, name }, 4)).toBe(
        await profileContentHash({ ...base, name }),
      );
    }
    expect(uploadedContentHash(upload, 3)).toBeNull();
    const nan = bytesToBase64(float32ToBytes([0.5, Number.NaN, 1, 0]));
    expect(uploadedContentHash({ ...upload, embeddingB64: nan }, 4)).toBeNull();
  });
});
