import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pushRequestSchema } from './push.ts';
import { fastPushRequest } from './push-fast.ts';

/** Values a JSON field may hold instead of the right one. */
const wrong = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.constantFrom(0, -1, 1.5, 5, 2_147_483_648, 2 ** 53, -0, 1e21),
  fc.constantFrom('', 'x', 'a\u0000b', '\ud800', 'A'.repeat(201), 'é', '0'.repeat(64), 'G'.repeat(64)),
  // Hashes that miss by one: a neighbour of 0-9 or a-f, upper case, one character short or long.
  fc
    .tuple(fc.constantFrom('/', ':', '`', 'g', 'A', 'F', 'é', ''), fc.nat({ max: 63 }), fc.boolean())
    .map(([c, at, long]) => `${'a'.repeat(at)}${c}${'0'.repeat(63 - at)}${long ? 'f' : ''}`),
  fc.constant([]),
  fc.constant({}),
);
const hash = fc.stringMatching(/^[0-9a-f]{64}$/);
/** Mostly the right value, now and then a wrong one. */
function mostly<T>(right: fc.Arbitrary<T>) {
  return fc.oneof({ arbitrary: right, weight: 15 }, { arbitrary: wrong, weight: 1 });
}
const features = fc.oneof(
  { arbitrary: fc.constant(null), weight: 10 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 10 },
  fc.constant({ deep: JSON.parse(`${'['.repeat(40)}${']'.repeat(40)}`) }),
  fc.constant({ big: 'x'.repeat(65_530) }),
  fc.constant(JSON.parse('{"__proto__":1}') as unknown),
  fc.constant({ text: 'a\u0000' }),
);
const name = mostly(fc.string({ minLength: 1, maxLength: 200 }));
const profile = fc.record({
  name,
  embeddingB64: mostly(fc.base64String({ maxLength: 64 })),
  acousticFeatures: features,
  totalSamples: mostly(fc.integer({ min: 1, max: 2_147_483_647 })),
});
const enrolment = fc.record({
  name,
  sampleSumB64: mostly(fc.base64String({ maxLength: 64 })),
  samples: mostly(fc.integer({ min: 1, max: 2_147_483_647 })),
  acousticFeatures: features,
});
const mutation = fc.record(
  {
    speakerId: mostly(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/)),
    op: mostly(fc.constantFrom('upsert', 'delete', 'enrol')),
    baseHash: mostly(fc.oneof(fc.constant(null), hash)),
    contentHash: mostly(hash),
    updatedAt: mostly(fc.oneof(fc.nat(), fc.maxSafeNat())),
    priority: mostly(fc.integer({ min: 0, max: 4 })),
    profile,
    enrolment,
    extra: fc.jsonValue({ maxDepth: 1 }),
  },
  { requiredKeys: ['speakerId', 'op', 'baseHash', 'contentHash', 'updatedAt', 'priority'] },
);
/** Mostly consecutive ids, sometimes not; sometimes a field of the top level is wrong. */
const request = fc
  .tuple(
    fc.array(mutation, { minLength: 0, maxLength: 4 }),
    mostly(fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.maxSafeNat())),
    fc.nat({ max: 9 }),
  )
  .map(([mutations, first, skew]) => ({
    mutations: mutations.map((m, i) => ({
      ...m,
      mutationId: typeof first === 'number' && skew > 0 ? first + i : first,
    })),
  }));
const tooMany = fc.constant({
  mutations: Array.from({ length: 101 }, (_, i) => ({
    mutationId: i + 1,
    speakerId: 'a',
    op: 'delete',
    baseHash: null,
    contentHash: 'a'.repeat(64),
    updatedAt: 0,
    priority: 0,
  })),
});

describe('fastPushRequest accepts exactly what pushRequestSchema accepts', () => {
  it('same acceptance and the same value, on generated requests valid and not', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof({ arbitrary: request, weight: 20 }, tooMany, wrong), (input) => {
        const json = JSON.parse(JSON.stringify(input)) as unknown;
        const zod = pushRequestSchema.safeParse(json);
        const fast = fastPushRequest(json);
        expect(fast !== undefined).toBe(zod.success);
        if (fast) {
          accepted += 1;
          expect(fast).toStrictEqual(zod.data);
        }
      }),
      { numRuns: 3000, seed: 13 },
    );
    // The generator reaches both answers often enough for the agreement to mean something.
    expect(accepted).toBeGreaterThan(100);
  });

  it('takes the features value itself, as zod passes it through', () => {
    const acousticFeatures = { pitch: [1, 2] };
    const input = {
      mutations: [
        {
          mutationId: 1,
          speakerId: 'ada',
          op: 'upsert',
          baseHash: null,
          contentHash: 'a'.repeat(64),
          updatedAt: 1,
          priority: 2,
          profile: { name: 'Ada', embeddingB64: 'AAAA', acousticFeatures, totalSamples: 1 },
        },
      ],
    };
    expect(fastPushRequest(input)?.mutations[0]?.profile?.acousticFeatures).toBe(acousticFeatures);
  });
  it('asks zod for every hash that is not 64 lowercase hex digits, as zod refuses them', () => {
    const valid = {
      mutationId: 1,
      speakerId: 'ada',
      op: 'delete',
      baseHash: 'f'.repeat(64),
      contentHash: '0'.repeat(64),
      updatedAt: 1,
      priority: 2,
    };
    expect(fastPushRequest({ mutations: [valid] })).toBeDefined();
    const misses = ['0'.repeat(63), 'a'.repeat(65)];
    // The neighbours of 0-9 and a-f in ASCII, upper case and a letter past f, first, inside and last.
    for (const c of ['/', ':', '`', 'g', 'A', 'F', 'é'])
      for (const at of [0, 31, 63]) misses.push(`${'a'.repeat(at)}${c}${'0'.repeat(63 - at)}`);
    for (const miss of misses) {
      for (const field of ['baseHash', 'contentHash']) {
        const input = { mutations: [{ ...valid, [field]: miss }] };
        expect(pushRequestSchema.safeParse(input).success).toBe(false);
        expect(fastPushRequest(input)).toBeUndefined();
      }
    }
  });
});
