import { bytesToBase64, float32ToBytes, ManualClock, Priority, profileContentHash } from '@voicesync/core';
import type { PullChange, PullResponse } from '@voicesync/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../logger/index.ts';
import { Outbox } from '../outbox/index.ts';
import { ProfileStore } from '../../profiles/index.ts';
import { SyncStats } from '../stats.ts';
import { randomEmbedding, tempStore } from '../../testing/index.ts';
import { Puller } from './index.ts';

/** Another device's write of `speakerId`, as the edge's change log serves it. */
async function remoteChange(speakerId: string, cursor: number, seed: number): Promise<PullChange> {
  const embedding = randomEmbedding(seed);
  const content = {
    speakerId,
    name: `${speakerId} (remote)`,
    embedding,
    acousticFeatures: null,
    totalSamples: 1,
  };
  return {
    cursor,
    speakerId,
    op: 'upsert',
    contentHash: await profileContentHash(content),
    updatedAt: 2_000_000,
    version: 2,
    profile: {
      name: content.name,
      embeddingB64: bytesToBase64(float32ToBytes(embedding)),
      acousticFeatures: null,
      totalSamples: 1,
    },
  };
}

describe('Puller', () => {
  let store: Awaited<ReturnType<typeof tempStore>>;
  let profiles: ProfileStore;
  let outbox: Outbox;
  let log: PullChange[];
  let puller: Puller;
  const cursors: number[] = [];
  let horizon: number;
  let compacted: boolean;

  beforeEach(async () => {
    store = await tempStore();
    const clock = new ManualClock(1_000_000);
    profiles = new ProfileStore(store, { now: () => clock.now() });
    outbox = new Outbox(store);
    log = [];
    cursors.length = 0;
    horizon = 0;
    compacted = true;
    // The edge: every change after the cursor, one page; a reset for a cursor behind the compaction horizon.
    const request = async (path: string) => {
      const cursor = Number(new URL(path, 'http://edge').searchParams.get('cursor'));
      cursors.push(cursor);
      if (cursor > 0 && cursor < horizon) {
        return Response.json({
          reset: true,
          ...(compacted ? { compacted } : {}),
          changes: [],
          nextCursor: 0,
          hasMore: false,
        });
      }
      const changes = log.filter((change) => change.cursor > cursor);
      const page: PullResponse = {
        changes,
        nextCursor: changes.at(-1)?.cursor ?? cursor,
        hasMore: false,
      };
      return new Response(JSON.stringify(page), { headers: { 'content-type': 'application/json' } });
    };
    puller = new Puller(store, profiles, outbox, { request }, new SyncStats(), clock, createLogger('silent'));
  });
  afterEach(() => store.cleanup());

  it('skips its own earlier write read back after a newer ack, but applies older content of another device', async () => {
    const older = await remoteChange('ada', 1, 5);
    log.push({ ...older, updatedAt: 500_000, own: true });
    // The local write is newer (the clock is at 1,000,000) and already settled: the outbox is clear.
    await profiles.put('ada', { name: 'newest', embedding: randomEmbedding(9) }, Priority.HIGH);
    const batch = await outbox.nextBatch(Date.now(), [0, 1, 2, 3, 4], { 0: 9, 1: 9, 2: 9, 3: 9, 4: 9 }, 50);
    if (batch.kind !== 'send') throw new Error('expected a batch');
    await outbox.settleUpTo(1);
    const result = await puller.pull();
    expect(result).toMatchObject({ applied: 0, skipped: 1, cursor: 1 });
    expect((await profiles.readRow('ada'))?.name).toBe('newest');
    // Another device's content is what PostgreSQL holds even when older (e.g. a tombstone that a
    // dropped enrolment left standing): it is applied.
    log.push({ ...(await remoteChange('ada', 2, 7)), updatedAt: 500_001 });
    expect(await puller.pull()).toMatchObject({ applied: 1 });
    expect((await profiles.readRow('ada'))?.name).toBe('ada (remote)');
    await profiles.put('ada', { name: 'newest', embedding: randomEmbedding(9) }, Priority.HIGH);
    const again = await outbox.nextBatch(Date.now(), [0, 1, 2, 3, 4], { 0: 9, 1: 9, 2: 9, 3: 9, 4: 9 }, 50);
    if (again.kind !== 'send') throw new Error('expected a batch');
    await outbox.settleUpTo(2);
    // A newer change still replaces it.
    log.push(await remoteChange('ada', 3, 6));
    expect(await puller.pull()).toMatchObject({ applied: 1 });
    expect((await profiles.readRow('ada'))?.name).toBe('ada (remote)');
  });

  it('stops at once when stop() comes during a pull, without sleeping an interval first', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let requested: () => void = () => {};
    const inFlight = new Promise<void>((resolve) => {
      requested = resolve;
    });
    const request = async () => {
      requested();
      await gate;
      const page: PullResponse = { changes: [], nextCursor: 0, hasMore: false };
      return new Response(JSON.stringify(page), { headers: { 'content-type': 'application/json' } });
    };
    const slow = new Puller(
      store,
      profiles,
      outbox,
      { request },
      new SyncStats(),
      new ManualClock(0),
      createLogger('silent'),
    );
    const sleeps: number[] = [];
    // A sleep that ends only when aborted, as a long interval would.
    const sleep = (ms: number, signal?: AbortSignal) =>
      new Promise<void>((_, reject) => {
        sleeps.push(ms);
        signal?.addEventListener('abort', () => reject(new Error('aborted')));
      });
    slow.start(60_000, sleep);
    await inFlight;
    const stopped = slow.stop();
    release();
    await stopped;
    expect(sleeps).toEqual([]);
  });

  it('leaves a speaker with an unsent local write alone and moves on', async () => {
    await profiles.put('ada', { name: 'local', embedding: randomEmbedding(1) }, Priority.NORMAL);
    log.push(await remoteChange('ada', 5, 2), await remoteChange('bob', 6, 3));
    const result = await puller.pull();
    expect(result).toMatchObject({ applied: 1, skipped: 1, cursor: 6, blocked: false });
    expect((await profiles.readRow('ada'))?.name).toBe('local');
    expect((await profiles.readRow('bob'))?.name).toBe('bob (remote)');
  });

  it('stops before a speaker whose numbered write is unacknowledged, then applies it once settled', async () => {
    await profiles.put('ada', { name: 'local', embedding: randomEmbedding(1) }, Priority.NORMAL);
    const batch = await outbox.nextBatch(Date.now(), [0, 1, 2, 3, 4], { 0: 0, 1: 0, 2: 50, 3: 0, 4: 0 }, 50);
    expect(batch.kind).toBe('send');
    // The edge applied our write (id 1) and then another device's newer write of the same speaker.
    log.push(
      await remoteChange('carl', 4, 4),
      await remoteChange('ada', 5, 2),
      await remoteChange('bob', 6, 3),
    );
    const blocked = await puller.pull();
    // Skipping ada's change here would lose it for good: nothing would ever announce it again.
    expect(blocked).toMatchObject({ applied: 1, cursor: 4, blocked: true });
    expect(await puller.cursor()).toBe(4);
    expect((await profiles.readRow('ada'))?.name).toBe('local');
    expect(await profiles.readRow('bob')).toBeUndefined();

    // The ack arrives; held in memory until the next outbox write, it already counts as settled.
    outbox.acknowledge(
      { lastMutationId: 1, load: 0, results: [{ mutationId: 1, status: 'applied' }] },
      { maxAttempts: 5, nextAttemptAt: 0, attempts: new Map() },
    );
    const resumed = await puller.pull();
    expect(resumed).toMatchObject({ applied: 2, cursor: 6, blocked: false });
    expect(cursors).toEqual([0, 4]);
    expect((await profiles.readRow('ada'))?.name).toBe('ada (remote)');
    expect((await profiles.readRow('bob'))?.name).toBe('bob (remote)');
  });
  it('after a reset, drops local profiles the full pull no longer lists, keeping those with pending writes', async () => {
    // Pulled long ago: ada, bob and carl. Since then bob was deleted upstream and the tombstone
    // compacted away; carl is still listed. dan is local with a write not yet uploaded.
    log.push(
      await remoteChange('ada', 1, 1),
      await remoteChange('bob', 2, 2),
      await remoteChange('carl', 3, 3),
    );
    const indexed = new Set<string>();
    profiles.onChange((change) => {
      if (change.kind === 'upsert') indexed.add(change.profile.speakerId);
      else indexed.delete(change.speakerId);
    });
    expect((await puller.pull()).applied).toBe(3);
    await profiles.put('dan', { name: 'dan', embedding: randomEmbedding(4) }, Priority.NORMAL);
    log.length = 0;
    log.push(await remoteChange('ada', 10, 1), await remoteChange('carl', 11, 3));
    horizon = 9;

    const result = await puller.pull();
    expect(result).toMatchObject({ resets: 1, cursor: 11 });
    expect(cursors).toContain(0);
    expect(await profiles.get('bob')).toBeUndefined();
    expect((await profiles.readRow('bob'))?.speakerId).toBeUndefined();
    expect([...indexed].sort()).toEqual(['ada', 'carl', 'dan']);
    expect((await profiles.get('dan'))?.name).toBe('dan');
    // A pull with a known cursor drops nothing.
    log.push(await remoteChange('eve', 12, 5));
    await puller.pull();
    expect([...indexed].sort()).toEqual(['ada', 'carl', 'dan', 'eve']);
  });

  it('a reset without `compacted` (a cursor ahead of the log: another upstream) drops nothing', async () => {
    log.push(await remoteChange('ada', 1, 1), await remoteChange('bob', 2, 2));
    await puller.pull();
    log.length = 0;
    compacted = false;
    horizon = 9;
    expect(await puller.pull()).toMatchObject({ resets: 1, dropped: 0 });
    expect((await profiles.get('bob'))?.speakerId).toBe('bob');
  });
});
