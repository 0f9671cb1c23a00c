import { encodeProfileContent, profileContentHash, profileContentHashWith } from '@voicesync/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeSha256Hex } from './sha256.ts';

// Random profile contents: any text (surrogates, NUL), float32 vectors as Float32Array (hashed as a
// view) and as plain arrays (copied), any JSON features, any sample count.
const content = fc.record({
  speakerId: fc.string({ unit: 'binary' }),
  name: fc.string({ unit: 'binary' }),
  embedding: fc.oneof(
    fc.float32Array({ noDefaultInfinity: true, noNaN: true, maxLength: 64 }),
    fc.array(fc.float({ noDefaultInfinity: true, noNaN: true }), { maxLength: 64 }),
  ),
  acousticFeatures: fc.jsonValue(),
  totalSamples: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

describe('the edge content hash through node:crypto', () => {
  it('equals the WebCrypto content hash on random contents', async () => {
    await fc.assert(
      fc.asyncProperty(content, async (profile) => {
        expect(profileContentHashWith(profile, nodeSha256Hex)).toBe(await profileContentHash(profile));
      }),
      { numRuns: 500 },
    );
  });

  it('hashes the chunks as the one canonical byte string', () => {
    const profile = {
      speakerId: 's1',
      name: 'Ada',
      embedding: new Float32Array([0.5, -0.25]),
      acousticFeatures: { b: 1 },
      totalSamples: 3,
    };
    expect(profileContentHashWith(profile, nodeSha256Hex)).toBe(
      nodeSha256Hex([encodeProfileContent(profile)]),
    );
  });
});
