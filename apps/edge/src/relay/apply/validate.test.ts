import {
  bytesToBase64,
  enrolmentHash,
  float32ToBytes,
  float64ToBytes,
  profileContentHash,
  tombstoneHash,
} from '@voicesync/core';
import type { Mutation } from '@voicesync/schema';
import { describe, expect, it } from 'vitest';
import { checkMutation, orderOf } from './validate.ts';

const DIM = 4;
const CLOCK = { nowMs: 1_800_000_000_000, maxClockSkewMs: 300_000 };

async function upsert(embedding: number[], overrides: Partial<Mutation> = {}): Promise<Mutation> {
  const profile = {
    name: 'Ada',
    embeddingB64: bytesToBase64(float32ToBytes(embedding)),
    acousticFeatures: { pitch: 1 },
    totalSamples: 3,
  };
  const contentHash = await profileContentHash({
    speakerId: 'ada',
    name: 'Ada',
    embedding,
    acousticFeatures: { pitch: 1 },
    totalSamples: 3,
  });
  return {
    mutationId: 1,
    speakerId: 'ada',
    op: 'upsert',
    baseHash: null,
    contentHash,
    updatedAt: 10,
    priority: 2,
    profile,
    ...overrides,
  };
}

describe('checkMutation', () => {
  it('accepts a consistent upsert and keeps the exact embedding text', async () => {
    const mutation = await upsert([0.5, -0.25, 1, 0]);
    const checked = await checkMutation(mutation, DIM, CLOCK);
    expect(checked.reason).toBeUndefined();
    expect(checked.content!.profile!.embeddingB64).toBe(mutation.profile!.embeddingB64);
  });

  it('accepts a delete carrying the tombstone hash', async () => {
    const mutation: Mutation = {
      mutationId: 1,
      speakerId: 'ada',
      op: 'delete',
      baseHash: null,
      contentHash: await tombstoneHash('ada'),
      updatedAt: 10,
      priority: 0,
    };
    expect((await checkMutation(mutation, DIM, CLOCK)).content?.profile).toBeNull();
  });

  it('rejects a delete with another hash', async () => {
    const mutation = await upsert([1, 0, 0, 0], { op: 'delete' });
    expect((await checkMutation(mutation, DIM, CLOCK)).reason).toMatch(/tombstone/);
  });

  it('rejects the wrong dimension, shorter or longer', async () => {
    expect((await checkMutation(await upsert([1, 0, 0]), DIM, CLOCK)).reason).toMatch(
      /4 float32 values \(16 bytes\), got 12/,
    );
    expect((await checkMutation(await upsert([1, 0, 0, 0, 0]), DIM, CLOCK)).reason).toMatch(
      /4 float32 values \(16 bytes\), got 20/,
    );
  });

  it('rejects NaN and Infinity', async () => {
    const mutation = await upsert([1, 0, 0, 0]);
    mutation.profile!.embeddingB64 = bytesToBase64(float32ToBytes([1, Number.NaN, 0, 0]));
    expect((await checkMutation(mutation, DIM, CLOCK)).reason).toMatch(/NaN or Infinity/);
    mutation.profile!.embeddingB64 = bytesToBase64(float32ToBytes([1, Number.POSITIVE_INFINITY, 0, 0]));
    expect((await checkMutation(mutation, DIM, CLOCK)).reason).toMatch(/NaN or Infinity/);
  });

  it('rejects invalid base64', async () => {
    const mutation = await upsert([1, 0, 0, 0]);
    mutation.profile!.embeddingB64 = 'not base64!';
    expect((await checkMutation(mutation, DIM, CLOCK)).reason).toMatch(/base64/);
  });

  it('rejects a contentHash that is not the hash of the content', async () => {
    const mutation = await upsert([1, 0, 0, 0]);
    mutation.profile!.totalSamples = 4;
    expect((await checkMutation(mutation, DIM, CLOCK)).reason).toMatch(/does not match/);
  });
});

describe('orderOf (MAX_CLOCK_SKEW_MS)', () => {
  it('keeps an updatedAt up to the allowed skew ahead of the edge clock', () => {
    expect(orderOf(CLOCK.nowMs + 300_000, CLOCK)).toEqual({ updatedAt: CLOCK.nowMs + 300_000 });
    expect(orderOf(5, CLOCK)).toEqual({ updatedAt: 5 });
  });

  it('clamps one beyond it to the edge clock and keeps the claimed value as a record', async () => {
    expect(orderOf(Number.MAX_SAFE_INTEGER, CLOCK)).toEqual({
      updatedAt: CLOCK.nowMs,
      clampedFrom: Number.MAX_SAFE_INTEGER,
    });
    const mutation = await upsert([1, 0, 0, 0], { updatedAt: Number.MAX_SAFE_INTEGER });
    expect((await checkMutation(mutation, DIM, CLOCK)).content).toMatchObject({
      updatedAt: CLOCK.nowMs,
      clampedFrom: Number.MAX_SAFE_INTEGER,
    });
  });
});

describe('checkMutation of an enrolment', () => {
  async function enrolment(
    sum: number[],
    samples: number,
    overrides: Partial<Mutation> = {},
  ): Promise<Mutation> {
    const delta = { name: 'Ada', acousticFeatures: null, sampleSum: sum, samples };
    return {
      mutationId: 1,
      speakerId: 'ada',
      op: 'enrol',
      baseHash: null,
      contentHash: await enrolmentHash({ speakerId: 'ada', ...delta }),
      updatedAt: 10,
      priority: 1,
      enrolment: {
        name: 'Ada',
        acousticFeatures: null,
        samples,
        sampleSumB64: bytesToBase64(float64ToBytes(sum)),
      },
      ...overrides,
    };
  }

  it('accepts a consistent delta and decodes its float64 sum exactly', async () => {
    const sum = [0.6 + 0.1, 0.8, 0.1 / 3, 0];
    const checked = await checkMutation(await enrolment(sum, 2), DIM, CLOCK);
    expect(checked.reason).toBeUndefined();
    expect(Array.from(checked.content!.enrolment!.sampleSum)).toEqual(sum);
    expect(checked.content!.profile).toBeNull();
  });

  it('rejects a sum of the wrong size, non-finite, or longer than its count allows', async () => {
    expect((await checkMutation(await enrolment([1, 0, 0], 1), DIM, CLOCK)).reason).toMatch(
      /4 float64 values/,
    );
    expect((await checkMutation(await enrolment([1, Number.NaN, 0, 0], 1), DIM, CLOCK)).reason).toMatch(
      /NaN/,
    );
    expect((await checkMutation(await enrolment([2, 0, 0, 0], 1), DIM, CLOCK)).reason).toMatch(
      /longer than 1 unit/,
    );
  });

  it('rejects a delta whose hash does not match', async () => {
    const mutation = await enrolment([1, 0, 0, 0], 1);
    mutation.enrolment!.samples = 2;
    expect((await checkMutation(mutation, DIM, CLOCK)).reason).toMatch(/enrolmentHash/);
  });
});
