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

  it('a write whose outbox entry cannot commit leaves no row, no entry, no memory and no event', async () => {
    const store = await tempStore();
    try {
      const profiles = new ProfileStore(store);
      await profiles.put('kept', { name: 'Kept', embedding: randomEmbedding(1) }, Priority.NORMAL);
      const events: string[] = [];
      profiles.onChange((change) => events.push(change.kind));
      // A real failure inside the transaction, after the profile row is written (as a full disk would).
      // (A pending entry of the same speaker is coalesced by an UPDATE, so both are stopped.)
      for (const event of ['INSERT', 'UPDATE']) {
        await store.client.execute(
          `CREATE TRIGGER outbox_full_${event} BEFORE ${event} ON outbox BEGIN SELECT RAISE(ABORT, 'disk full'); END`,
        );
      }
      await expect(
        profiles.put('lost', { name: 'Lost', embedding: randomEmbedding(2) }, Priority.NORMAL),
      ).rejects.toThrow(/disk full/);
      await expect(
        profiles.put('kept', { name: 'Changed', embedding: randomEmbedding(3) }, Priority.NORMAL),
      ).rejects.toThrow(/disk full/);
      await expect(profiles.remove('kept', Priority.NORMAL)).rejects.toThrow(/disk full/);
      const rows = await store.client.execute('SELECT speaker_id, name, deleted FROM profiles');
      expect(rows.rows.map((row) => ({ ...row }))).toEqual([
        { speaker_id: 'kept', name: 'Kept', deleted: 0 },
      ]);
      expect(Number((await store.client.execute('SELECT count(*) AS n FROM outbox')).rows[0]?.n)).toBe(1);
      expect(await profiles.get('lost')).toBeUndefined();
      expect((await profiles.get('kept'))?.name).toBe('Kept');
      expect(events).toEqual([]);
    } finally {
      store.cleanup();
    }
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

  it('tells read observers each read, its time and whether the cache answered, without replacing get', async () => {
    const store = await tempStore();
    try {
      const profiles = new ProfileStore(store);
      const get = profiles.get;
      await profiles.put('ada', { name: 'Ada', embedding: randomEmbedding(1) }, Priority.NORMAL);
      profiles.forget('ada');
      const reads: Array<{ seconds: number; hit: boolean }> = [];
      profiles.onRead((seconds, hit) => reads.push({ seconds, hit }));
      expect((await profiles.get('ada'))?.name).toBe('Ada');
      expect((await profiles.get('ada'))?.name).toBe('Ada');
      expect(await profiles.get('nobody')).toBeUndefined();
      expect(reads.map((read) => read.hit)).toEqual([false, true, false]);
      expect(reads.every((read) => read.seconds >= 0 && read.seconds < 5)).toBe(true);
      expect(profiles.get).toBe(get);
    } finally {
      store.cleanup();
    }
  });
});
