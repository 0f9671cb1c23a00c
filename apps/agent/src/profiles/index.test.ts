import { Priority } from '@voicesync/core';
import { describe, expect, it } from 'vitest';
import { randomEmbedding, tempStore } from '../testing/index.ts';
import { ProfileStore } from './index.ts';

describe('ProfileStore', () => {
  it('pages through every live profile once, skipping tombstones', async () => {
    const store = await tempStore();
    const profiles = new ProfileStore(store);
    for (let i = 0; i < 7; i++)
      await profiles.put(`s${i}`, { name: `S${i}`, embedding: randomEmbedding(i) }, Priority.NORMAL);
    await profiles.remove('s3', Priority.NORMAL);
    const seen: string[] = [];
    const sizes: number[] = [];
    for await (const page of profiles.pages(2)) {
      sizes.push(page.length);
      seen.push(...page.map((p) => p.speakerId));
    }
    expect(seen).toEqual(['s0', 's1', 's2', 's4', 's5', 's6']);
    expect(sizes).toEqual([2, 2, 2]);
    expect(await profiles.liveCount()).toBe(6);
    store.cleanup();
  });

  it('reads from memory first and counts hits and misses', async () => {
    const store = await tempStore();
    const writer = new ProfileStore(store);
    await writer.put('a', { name: 'A', embedding: randomEmbedding(1) }, Priority.NORMAL);
    const reader = new ProfileStore(store);
    expect((await reader.get('a'))?.name).toBe('A');
    expect((await reader.get('a'))?.name).toBe('A');
    expect(await reader.get('missing')).toBeUndefined();
    expect({ hits: reader.cacheHits, misses: reader.cacheMisses }).toEqual({ hits: 1, misses: 2 });
    store.cleanup();
  });
});
