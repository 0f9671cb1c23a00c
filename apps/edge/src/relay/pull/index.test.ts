import { describe, expect, it } from 'vitest';
import { type ChangeRow, pageOf } from './index.ts';

const h = (c: string) => c.repeat(64);

function row(id: number, speaker: string, deleted = false): ChangeRow {
  return {
    seq: String(id),
    speaker_id: speaker,
    name: speaker,
    embedding_b64: 'AACAPw==',
    acoustic_features: { pitch: 1 },
    total_samples: 2,
    sample_sum_b64: null,
    content_hash: h(speaker[0]!),
    version: 3,
    deleted,
    updated_at: '1700000000000',
  };
}

describe('pageOf', () => {
  it('keeps one entry per speaker, its latest change, in cursor order', () => {
    const page = pageOf([row(1, 'a'), row(2, 'b'), row(3, 'a')], 0, 10);
    expect(page.changes.map((c) => [c.cursor, c.speakerId])).toEqual([
      [2, 'b'],
      [3, 'a'],
    ]);
    expect(page).toMatchObject({ nextCursor: 3, hasMore: false });
    expect(page.changes[1]).toEqual({
      cursor: 3,
      speakerId: 'a',
      op: 'upsert',
      contentHash: h('a'),
      updatedAt: 1_700_000_000_000,
      version: 3,
      profile: { name: 'a', embeddingB64: 'AACAPw==', acousticFeatures: { pitch: 1 }, totalSamples: 2 },
    });
  });

  it('answers a delete without content', () => {
    const [change] = pageOf([row(4, 'd', true)], 0, 10).changes;
    expect(change).toMatchObject({ op: 'delete' });
    expect(change?.profile).toBeUndefined();
  });

  it('stops at the limit and says there is more', () => {
    const page = pageOf([row(5, 'a'), row(6, 'b'), row(7, 'c')], 4, 2);
    expect(page.changes).toHaveLength(2);
    expect(page).toMatchObject({ nextCursor: 6, hasMore: true });
  });

  it('keeps the cursor when there is nothing new', () => {
    expect(pageOf([], 9, 100)).toEqual({ changes: [], nextCursor: 9, hasMore: false });
  });
});
