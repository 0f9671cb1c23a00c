import { Priority, PRIORITY_LEVELS } from '@voicesync/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProfileStore } from '../../profiles/index.ts';
import { randomEmbedding, tempStore } from '../../testing/index.ts';
import { Outbox } from './index.ts';
import { eligibleSql, IN_FLIGHT_SQL } from './statements.ts';

const ALL = PRIORITY_LEVELS;
const quotas = () => ({ 0: 1000, 1: 500, 2: 200, 3: 100, 4: 50 });

describe('Outbox', () => {
  let store: Awaited<ReturnType<typeof tempStore>>;
  let profiles: ProfileStore;
  let outbox: Outbox;
  beforeEach(async () => {
    store = await tempStore();
    profiles = new ProfileStore(store);
    outbox = new Outbox(store);
  });
  afterEach(() => store.cleanup());

  it('commits the profile row and its outbox entry together', async () => {
    const result = await profiles.put(
      'alice',
      { name: 'Alice', embedding: randomEmbedding(1) },
      Priority.NORMAL,
    );
    const rows = await outbox.list('all', 10);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ speakerId: 'alice', contentHash: result.contentHash, baseHash: null });
    expect((await profiles.readRow('alice'))?.contentHash).toBe(result.contentHash);
  });

  it('coalesces pending writes of one speaker: newest content, highest priority, oldest base', async () => {
    await profiles.put('alice', { name: 'A1', embedding: randomEmbedding(1) }, Priority.LOW);
    const second = await profiles.put('alice', { name: 'A2', embedding: randomEmbedding(2) }, Priority.HIGH);
    const rows = await outbox.list('all', 10);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      name: 'A2',
      priority: Priority.HIGH,
      contentHash: second.contentHash,
      baseHash: null,
    });
  });

  it('batches highest priority first with consecutive ids after the last acknowledged', async () => {
    await profiles.put('low', { name: 'L', embedding: randomEmbedding(1) }, Priority.LOW);
    await profiles.put('crit', { name: 'C', embedding: randomEmbedding(2) }, Priority.CRITICAL);
    await profiles.put('norm', { name: 'N', embedding: randomEmbedding(3) }, Priority.NORMAL);
    await outbox.settleUpTo(41);
    const batch = await outbox.nextBatch(Date.now(), ALL, quotas(), 50);
    expect(batch.kind).toBe('send');
    if (batch.kind !== 'send') return;
    expect(batch.rows.map((r) => [r.speakerId, r.mutationId])).toEqual([
      ['crit', 42],
      ['norm', 43],
      ['low', 44],
    ]);
    const again = await outbox.nextBatch(Date.now(), ALL, quotas(), 50);
    expect(again.kind === 'send' && again.rows.map((r) => r.mutationId)).toEqual([42, 43, 44]);
  });

  it('never lets a newer write of a speaker overtake an unsettled older one', async () => {
    await profiles.put('alice', { name: 'A1', embedding: randomEmbedding(1) }, Priority.LOW);
    const first = await outbox.nextBatch(Date.now(), ALL, quotas(), 50);
    expect(first.kind).toBe('send');
    await profiles.put('alice', { name: 'A2', embedding: randomEmbedding(2) }, Priority.CRITICAL);
    expect(await outbox.list('all', 10)).toHaveLength(2);
    const [row] = first.kind === 'send' ? first.rows : [];
    await outbox.refuse(row!, 'refused', { maxAttempts: 1, nextAttemptAt: 0 });
    const next = await outbox.nextBatch(Date.now(), ALL, quotas(), 50);
    expect(next.kind).toBe('idle');
  });

  it('settles acknowledged rows; a rejected one spends an attempt and waits without its id', async () => {
    await profiles.put('a', { name: 'A', embedding: randomEmbedding(1) }, Priority.NORMAL);
    await profiles.put('b', { name: 'B', embedding: randomEmbedding(2) }, Priority.NORMAL);
    const batch = await outbox.nextBatch(Date.now(), ALL, quotas(), 50);
    if (batch.kind !== 'send') throw new Error('expected a batch');
    const [a, b] = batch.rows;
    const ack = (mutationId: number, lastMutationId: number, attempts: number) =>
      outbox.acknowledge(
        { lastMutationId, load: 0, results: [{ mutationId, status: 'rejected', reason: 'bad' }] },
        { maxAttempts: 5, nextAttemptAt: 0, attempts: new Map([[mutationId, attempts]]) },
      );
    const result = outbox.acknowledge(
      {
        lastMutationId: 2,
        load: 0,
        results: [
          { mutationId: a!.mutationId!, status: 'applied' },
          { mutationId: b!.mutationId!, status: 'rejected', reason: 'bad' },
        ],
      },
      { maxAttempts: 5, nextAttemptAt: 0, attempts: new Map() },
    );
    expect(result).toEqual({ settled: 1, rejected: 1, dead: 0 });
    await outbox.flush();
    expect(await outbox.list('pending', 10)).toMatchObject([
      { speakerId: 'b', mutationId: null, attempts: 1 },
    ]);
    expect(await outbox.lastAcknowledged()).toBe(2);
    // Refused again until its budget is spent: then, and only then, a dead letter.
    for (let attempts = 1; attempts < 5; attempts++) {
      const again = await outbox.nextBatch(Date.now(), ALL, quotas(), 50);
      if (again.kind !== 'send') throw new Error('expected a batch');
      const id = again.rows[0]!.mutationId!;
      expect(ack(id, id, attempts).dead).toBe(attempts === 4 ? 1 : 0);
      await outbox.flush();
    }
    expect(await outbox.list('dead', 10)).toMatchObject([{ speakerId: 'b', mutationId: null, attempts: 5 }]);
  });

  it('turns a row refused past the retry budget into a dead letter and re-queues it on retry', async () => {
    await profiles.put('a', { name: 'A', embedding: randomEmbedding(1) }, Priority.NORMAL);
    const batch = await outbox.nextBatch(Date.now(), ALL, quotas(), 50);
    if (batch.kind !== 'send') throw new Error('expected a batch');
    let row = batch.rows[0]!;
    for (let attempt = 1; attempt <= 5; attempt++) {
      expect(await outbox.refuse(row, 'invalid', { maxAttempts: 5, nextAttemptAt: 0 })).toBe(attempt === 5);
      row = { ...row, attempts: row.attempts + 1 };
    }
    expect((await outbox.counts()).deadLetters).toBe(1);
    expect((await outbox.nextBatch(Date.now(), ALL, quotas(), 50)).kind).toBe('idle');
    expect(await outbox.retryDead()).toBe(1);
    const counts = await outbox.counts();
    expect(counts).toMatchObject({ deadLetters: 0, pending: 1 });
  });

  it('a gap releases ids above the edge last id and drops those at or below it', async () => {
    for (const id of ['a', 'b', 'c'])
      await profiles.put(id, { name: id, embedding: randomEmbedding(id.length) }, 2);
    const batch = await outbox.nextBatch(Date.now(), ALL, quotas(), 50);
    expect(batch.kind === 'send' && batch.rows.map((r) => r.mutationId)).toEqual([1, 2, 3]);
    expect(await outbox.settleUpTo(1)).toBe(1);
    const rows = await outbox.list('all', 10);
    expect(rows.map((r) => [r.speakerId, r.mutationId])).toEqual([
      ['b', null],
      ['c', null],
    ]);
  });

  it('holds an acknowledgement until the next write, which commits it in the same transaction', async () => {
    for (const id of ['a', 'b', 'c'])
      await profiles.put(id, { name: id, embedding: randomEmbedding(id.length) }, 2);
    const first = await outbox.nextBatch(Date.now(), ALL, quotas(), 2);
    if (first.kind !== 'send') throw new Error('expected a batch');
    outbox.acknowledge(
      {
        lastMutationId: 2,
        load: 0,
        results: first.rows.map((r) => ({ mutationId: r.mutationId!, status: 'applied' as const })),
      },
      { maxAttempts: 5, nextAttemptAt: 0, attempts: new Map() },
    );
    // Nothing written yet: a crash here only means the edge sees ids 1-2 again, as duplicates.
    expect((await outbox.counts()).pending).toBe(3);
    expect(await outbox.lastAcknowledged()).toBe(0);
    const next = await outbox.nextBatch(Date.now(), ALL, quotas(), 2);
    expect(next.kind === 'send' && next.rows.map((r) => [r.speakerId, r.mutationId])).toEqual([['c', 3]]);
    expect((await outbox.counts()).pending).toBe(1);
    expect(await outbox.lastAcknowledged()).toBe(2);
  });

  it('numbers the batch after one in flight without resending it, and can take those ids back', async () => {
    for (let i = 0; i < 5; i++)
      await profiles.put(`s${i}`, { name: `s${i}`, embedding: randomEmbedding(i) }, 2);
    const flying = await outbox.nextBatch(Date.now(), ALL, quotas(), 2);
    expect(flying.kind === 'send' && flying.rows.map((r) => r.mutationId)).toEqual([1, 2]);
    const ahead = await outbox.nextBatch(Date.now(), ALL, quotas(), 2, 2);
    expect(ahead).toMatchObject({ kind: 'send', numbered: true });
    expect(ahead.kind === 'send' && ahead.rows.map((r) => [r.speakerId, r.mutationId])).toEqual([
      ['s2', 3],
      ['s3', 4],
    ]);
    // Already numbered rows after the one in flight come back as they are, not renumbered.
    const again = await outbox.nextBatch(Date.now(), ALL, quotas(), 2, 2);
    expect(again).toMatchObject({ kind: 'send', numbered: false });
    expect(again.kind === 'send' && again.rows.map((r) => r.mutationId)).toEqual([3, 4]);
    await outbox.release(2);
    const rows = await outbox.list('pending', 10);
    expect(rows.map((r) => r.mutationId)).toEqual([1, 2, null, null, null]);
  });

  it('finds a batch by index searches alone, however long the backlog (no scan, no sort)', async () => {
    const queries: Array<[string, number[]]> = [
      [IN_FLIGHT_SQL, [0, 50]],
      [eligibleSql(5), [0, 0, 1, 2, 3, 4, 50]],
      [eligibleSql(2, 3), [0, 2, 3, 7, 8, 9, 47]],
    ];
    for (const [sql, args] of queries) {
      const plan = await store.client.execute({ sql: `EXPLAIN QUERY PLAN ${sql}`, args });
      const steps = plan.rows.map((row) => String(row.detail));
      expect(
        steps.some((step) => /^SCAN /.test(step)),
        steps.join('; '),
      ).toBe(false);
      expect(
        steps.some((step) => step.includes('TEMP B-TREE')),
        steps.join('; '),
      ).toBe(false);
    }
  });
});
