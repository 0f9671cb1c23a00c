import type { Mutation } from '@voicesync/schema';
import { describe, expect, it } from 'vitest';
import { incomingWins, planBatch, type ServerContent } from './plan.ts';
import type { Checked } from './validate.ts';

const h = (c: string) => c.repeat(64);

function valid(
  mutationId: number,
  speakerId: string,
  baseHash: string | null,
  contentHash: string,
  updatedAt = 100,
): Checked {
  const mutation: Mutation = {
    mutationId,
    speakerId,
    op: 'upsert',
    baseHash,
    contentHash,
    updatedAt,
    priority: 2,
  };
  return {
    mutation,
    content: {
      speakerId,
      contentHash,
      updatedAt,
      profile: { name: speakerId, embeddingB64: 'AAAAAA==', acousticFeatures: null, totalSamples: 1 },
    },
  };
}

function invalid(mutationId: number, reason: string): Checked {
  const mutation: Mutation = {
    mutationId,
    speakerId: 'x',
    op: 'upsert',
    baseHash: null,
    contentHash: h('0'),
    updatedAt: 1,
    priority: 2,
  };
  return { mutation, reason };
}

describe('incomingWins', () => {
  it('prefers the greater updatedAt, then the greater contentHash', () => {
    expect(incomingWins({ updatedAt: 2, contentHash: h('a') }, { updatedAt: 1, contentHash: h('f') })).toBe(
      true,
    );
    expect(incomingWins({ updatedAt: 1, contentHash: h('f') }, { updatedAt: 2, contentHash: h('a') })).toBe(
      false,
    );
    expect(incomingWins({ updatedAt: 1, contentHash: h('b') }, { updatedAt: 1, contentHash: h('a') })).toBe(
      true,
    );
    expect(incomingWins({ updatedAt: 1, contentHash: h('a') }, { updatedAt: 1, contentHash: h('b') })).toBe(
      false,
    );
    expect(incomingWins({ updatedAt: 1, contentHash: h('a') }, null)).toBe(true);
  });
});

describe('planBatch', () => {
  it('applies writes whose base is the server content and advances the last id', async () => {
    const server = new Map<string, ServerContent>([['bob', { contentHash: h('b'), updatedAt: 1 }]]);
    const plan = await planBatch(0, [valid(1, 'ada', null, h('a')), valid(2, 'bob', h('b'), h('c'))], server);
    expect(plan.results).toEqual([
      { mutationId: 1, status: 'applied', contentHash: h('a') },
      { mutationId: 2, status: 'applied', contentHash: h('c') },
    ]);
    expect(plan.lastMutationId).toBe(2);
    expect([...plan.writes.keys()]).toEqual(['ada', 'bob']);
    expect(plan.changes).toHaveLength(2);
    expect(plan.conflicts).toHaveLength(0);
  });

  it('answers duplicates for ids at or below the last one and writes nothing for them', async () => {
    const plan = await planBatch(
      2,
      [valid(1, 'ada', null, h('a')), valid(2, 'ada', h('a'), h('b')), valid(3, 'ada', null, h('c'))],
      new Map(),
    );
    expect(plan.results.map((r) => r.status)).toEqual(['duplicate', 'duplicate', 'applied']);
    expect(plan.changes.map((c) => c.mutationId)).toEqual([3]);
  });

  it('lets a rejected mutation consume its id without blocking the next', async () => {
    const plan = await planBatch(0, [invalid(1, 'bad embedding'), valid(2, 'ada', null, h('a'))], new Map());
    expect(plan.results).toEqual([
      { mutationId: 1, status: 'rejected', reason: 'bad embedding' },
      { mutationId: 2, status: 'applied', contentHash: h('a') },
    ]);
    expect(plan.lastMutationId).toBe(2);
  });

  it('records a conflict the incoming side wins by updatedAt', async () => {
    const server = new Map([['ada', { contentHash: h('s'), updatedAt: 50 }]]);
    const plan = await planBatch(0, [valid(1, 'ada', h('0'), h('i'), 60)], server);
    expect(plan.results).toEqual([
      { mutationId: 1, status: 'conflict', winner: 'incoming', contentHash: h('i') },
    ]);
    expect(plan.conflicts).toEqual([
      {
        speakerId: 'ada',
        mutationId: 1,
        baseHash: h('0'),
        serverHash: h('s'),
        incomingHash: h('i'),
        winner: 'incoming',
      },
    ]);
    expect(plan.writes.get('ada')?.content.contentHash).toBe(h('i'));
  });

  it('records a conflict the server wins, writes nothing and re-announces the server content', async () => {
    const server = new Map([['ada', { contentHash: h('s'), updatedAt: 70 }]]);
    const plan = await planBatch(0, [valid(1, 'ada', h('0'), h('i'), 60)], server);
    expect(plan.results).toEqual([
      { mutationId: 1, status: 'conflict', winner: 'server', contentHash: h('s') },
    ]);
    expect(plan.writes.size).toBe(0);
    expect(plan.changes).toEqual([{ speakerId: 'ada', contentHash: h('s'), mutationId: 1 }]);
    expect(plan.lastMutationId).toBe(1);
  });

  it('treats a base the server has no row for as a conflict the write wins', async () => {
    const plan = await planBatch(0, [valid(1, 'ada', h('0'), h('i'))], new Map());
    expect(plan.conflicts[0]).toMatchObject({ serverHash: null, winner: 'incoming' });
  });

  it('folds several writes to one speaker in order, counting each applied one', async () => {
    const plan = await planBatch(
      0,
      [valid(1, 'ada', null, h('a')), valid(2, 'ada', h('a'), h('b')), valid(3, 'ada', h('b'), h('c'))],
      new Map(),
    );
    expect(plan.results.every((r) => r.status === 'applied')).toBe(true);
    expect(plan.writes.get('ada')).toMatchObject({ applied: 3, content: { contentHash: h('c') } });
    expect(plan.changes.map((c) => c.contentHash)).toEqual([h('a'), h('b'), h('c')]);
  });
});
