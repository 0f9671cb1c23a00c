import { Priority } from '@voicesync/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox } from '../outbox/index.ts';
import { ProfileStore } from '../../profiles/index.ts';
import { readState } from '../../store/index.ts';
import { randomEmbedding, tempStore } from '../../testing/index.ts';
import { readLocalPosition } from '../outbox/index.ts';
import { anotherUpstreamMessage, resetSync, sameUpstream } from './upstream.ts';

describe('sameUpstream', () => {
  it('is another upstream when the edge knows the device below what was acknowledged here, or by another id', () => {
    expect(sameUpstream({ device: 'dev_a', lastAcked: 10 }, { deviceId: 'dev_a', lastMutationId: 12 })).toBe(
      true,
    );
    expect(sameUpstream({ device: undefined, lastAcked: 0 }, { deviceId: 'dev_b', lastMutationId: 0 })).toBe(
      true,
    );
    expect(sameUpstream({ device: 'dev_a', lastAcked: 10 }, { deviceId: 'dev_a', lastMutationId: 0 })).toBe(
      false,
    );
    expect(sameUpstream({ device: 'dev_a', lastAcked: 10 }, { deviceId: 'dev_b', lastMutationId: 10 })).toBe(
      false,
    );
    expect(sameUpstream({ device: undefined, lastAcked: 10 }, { deviceId: 'dev_b', lastMutationId: 3 })).toBe(
      false,
    );
  });

  it('says so in one line with the fix', () => {
    const message = anotherUpstreamMessage(
      { device: 'dev_a', lastAcked: 10 },
      { deviceId: 'dev_b', lastMutationId: 0 },
    );
    expect(message).not.toContain('\n');
    expect(message).toContain('--reset-sync');
    expect(message).toContain('dev_a');
  });
});

describe('resetSync', () => {
  let store: Awaited<ReturnType<typeof tempStore>>;
  let profiles: ProfileStore;
  let outbox: Outbox;
  beforeEach(async () => {
    store = await tempStore();
    profiles = new ProfileStore(store, { now: () => 1_000 });
    outbox = new Outbox(store);
  });
  afterEach(() => store.cleanup());

  it('keeps the profiles, forgets the old position and queues every live profile once, without base hashes', async () => {
    for (const id of ['a', 'b', 'c'])
      await profiles.put(id, { name: id, embedding: randomEmbedding(id.length) }, Priority.HIGH);
    await profiles.remove('c', Priority.NORMAL);
    // Synced with the old upstream: a and b left the outbox; a later edit of b is still pending there.
    const batch = await outbox.nextBatch(Date.now(), [0, 1, 2, 3, 4], { 0: 9, 1: 9, 2: 9, 3: 9, 4: 9 }, 50);
    if (batch.kind !== 'send') throw new Error('expected a batch');
    await outbox.settleUpTo(batch.rows.length);
    await outbox.setUpstreamPosition(batch.rows.length, 'dev_old');
    await profiles.put('b', { name: 'b2', embedding: randomEmbedding(7) }, Priority.LOW);
    expect((await outbox.counts()).pending).toBe(1);

    expect(await resetSync(store)).toBe(2);
    expect(await readLocalPosition(store)).toEqual({ device: undefined, lastAcked: 0 });
    expect(await readState(store, 'pull_cursor')).toBeUndefined();
    expect(await outbox.knowsUpstreamPosition()).toBe(false);
    const rows = await outbox.list('pending', 10);
    expect(rows.map((r) => [r.speakerId, r.name, r.baseHash, r.mutationId])).toEqual([
      ['a', 'a', null, null],
      ['b', 'b2', null, null],
    ]);
    expect((await profiles.all()).map((p) => p.speakerId).sort()).toEqual(['a', 'b']);
  });
});
