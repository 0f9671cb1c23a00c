import { sumOfSamples } from '@voicesync/core';
import { describe, expect, it } from 'vitest';
import { planBatch, type ServerContent } from './plan.ts';
import type { Checked } from './validate.ts';

const h = (c: string) => c.repeat(64);
const DIM = 4;

function enrol(
  mutationId: number,
  samples: number[][],
  updatedAt = 100,
  baseHash: string | null = null,
): Checked {
  return {
    mutation: {
      mutationId,
      speakerId: 'ada',
      op: 'enrol',
      baseHash,
      contentHash: h('e'),
      updatedAt,
      priority: 1,
    },
    content: {
      speakerId: 'ada',
      contentHash: h('e'),
      updatedAt,
      profile: null,
      enrolment: {
        name: 'Ada',
        acousticFeatures: null,
        sampleSum: sumOfSamples(samples, DIM),
        samples: samples.length,
      },
    },
  };
}

function live(samples: number[][], updatedAt = 50): ServerContent {
  return {
    contentHash: h('s'),
    updatedAt,
    deleted: false,
    profile: {
      name: 'Server name',
      acousticFeatures: { pitch: 1 },
      totalSamples: samples.length,
      sampleSum: sumOfSamples(samples, DIM),
    },
  };
}

const A = [1, 0, 0, 0];
const B = [0, 3, 0, 0];
const C = [0, 0, 0, 2];

describe('planBatch with enrolments', () => {
  it('adds a delta to the live profile whatever its base hash, without a conflict', async () => {
    const plan = await planBatch(0, [enrol(1, [B, C], 60, h('0'))], new Map([['ada', live([A])]]));
    expect(plan.results).toEqual([{ mutationId: 1, status: 'applied', contentHash: expect.any(String) }]);
    expect(plan.conflicts).toEqual([]);
    const { content } = plan.writes.get('ada')!;
    expect(content.profile).toMatchObject({
      name: 'Server name',
      totalSamples: 3,
      acousticFeatures: { pitch: 1 },
    });
    expect(content.sampleSumB64).toBeTruthy();
    expect(content.contentHash).not.toBe(h('e'));
  });

  it('keeps the later updatedAt of the two', async () => {
    const earlier = await planBatch(0, [enrol(1, [B], 10)], new Map([['ada', live([A], 50)]]));
    expect(earlier.writes.get('ada')?.content.updatedAt).toBe(50);
  });

  it('creates an unknown speaker from the delta alone', async () => {
    const plan = await planBatch(0, [enrol(1, [A, B])], new Map());
    expect(plan.writes.get('ada')?.content.profile).toMatchObject({ name: 'Ada', totalSamples: 2 });
  });

  it('merges two deltas of one batch into the centroid of all samples', async () => {
    const plan = await planBatch(0, [enrol(1, [A]), enrol(2, [B, C])], new Map());
    const one = await planBatch(0, [enrol(1, [A, B, C])], new Map());
    expect(plan.writes.get('ada')?.content.profile?.embeddingB64).toBe(
      one.writes.get('ada')?.content.profile?.embeddingB64,
    );
    expect(plan.writes.get('ada')).toMatchObject({ applied: 2, content: { profile: { totalSamples: 3 } } });
  });

  it('drops a delta enrolled without knowing of the delete, however late, and records it', async () => {
    const tomb: ServerContent = { contentHash: h('t'), updatedAt: 200, deleted: true };
    const plan = await planBatch(0, [enrol(1, [A], 300, h('0'))], new Map([['ada', tomb]]));
    expect(plan.results).toEqual([
      { mutationId: 1, status: 'conflict', winner: 'server', contentHash: h('t') },
    ]);
    expect(plan.writes.size).toBe(0);
    expect(plan.conflicts).toMatchObject([{ winner: 'server', serverHash: h('t'), baseHash: h('0') }]);
    expect(plan.changes).toEqual([{ speakerId: 'ada', contentHash: h('t'), mutationId: 1 }]);
  });

  it('creates the speaker afresh from a delta whose device had seen the delete', async () => {
    const tomb: ServerContent = { contentHash: h('t'), updatedAt: 200, deleted: true };
    const plan = await planBatch(0, [enrol(1, [B], 100, h('t'))], new Map([['ada', tomb]]));
    expect(plan.results[0]).toMatchObject({ status: 'applied' });
    expect(plan.conflicts).toEqual([]);
    expect(plan.writes.get('ada')?.content).toMatchObject({
      updatedAt: 200,
      profile: { name: 'Ada', totalSamples: 1 },
    });
  });

  it('refuses a delta that would cancel the profile out', async () => {
    const plan = await planBatch(0, [enrol(1, [[-1, 0, 0, 0]])], new Map([['ada', live([A])]]));
    expect(plan.results[0]).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/all zeros/) });
    expect(plan.lastMutationId).toBe(1);
  });
});
