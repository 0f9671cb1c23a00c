import { bytesToFloat64, enrolmentHash, Priority, sumOfSamples } from '@voicesync/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { centroidUpdate } from '../auth/enrolment.ts';
import { Outbox, toMutation } from '../sync/outbox/index.ts';
import { randomEmbedding, tempStore } from '../testing/index.ts';
import { ProfileStore } from './index.ts';

const DIM = 192;

describe('ProfileStore enrolment deltas', () => {
  let store: Awaited<ReturnType<typeof tempStore>>;
  let profiles: ProfileStore;
  let outbox: Outbox;
  beforeEach(async () => {
    store = await tempStore();
    profiles = new ProfileStore(store);
    outbox = new Outbox(store);
  });
  afterEach(() => store.cleanup());

  const enrol = (speakerId: string, seeds: number[]) =>
    profiles.putDerived(
      speakerId,
      (current) => ({
        name: current?.name ?? 'Ada',
        ...centroidUpdate(
          current,
          seeds.map((seed) => randomEmbedding(seed)),
          DIM,
        ),
      }),
      Priority.HIGH,
    );
  const rows = async () => (await store.client.execute('SELECT * FROM outbox ORDER BY seq')).rows;

  it('keeps the float64 sum locally and queues only the delta, added to an unsent one', async () => {
    await enrol('ada', [1, 2]);
    await enrol('ada', [3]);
    const [row, ...more] = await rows();
    expect(more).toHaveLength(0);
    expect(row).toMatchObject({ op: 'enrol', samples: 3, total_samples: 3 });
    const delta = bytesToFloat64(new Uint8Array(row!.sample_sum as ArrayBuffer));
    const expected = sumOfSamples(
      [1, 2, 3].map((seed) => randomEmbedding(seed)),
      DIM,
    );
    for (const [i, value] of delta.entries()) expect(value).toBeCloseTo(expected[i]!, 12);
    expect(row!.content_hash).toBe(
      await enrolmentHash({
        speakerId: 'ada',
        name: 'Ada',
        acousticFeatures: null,
        sampleSum: delta,
        samples: 3,
      }),
    );
    const local = await profiles.readRow('ada');
    expect(local).toMatchObject({ totalSamples: 3 });
    for (const [i, value] of local!.sampleSum!.entries()) expect(value).toBeCloseTo(expected[i]!, 12);
  });

  it('appends a new delta once the pending one is numbered, so no sample is sent twice', async () => {
    await enrol('ada', [1]);
    const batch = await outbox.nextBatch(Date.now(), [0, 1, 2, 3, 4], { 0: 9, 1: 9, 2: 9, 3: 9, 4: 9 }, 10);
    expect(batch.kind).toBe('send');
    await enrol('ada', [2, 3]);
    const all = await rows();
    expect(all.map((r) => [r.op, r.samples, r.mutation_id === null])).toEqual([
      ['enrol', 1, false],
      ['enrol', 2, true],
    ]);
    if (batch.kind !== 'send') return;
    const mutation = toMutation(batch.rows[0]!);
    expect(mutation).toMatchObject({ op: 'enrol', enrolment: { name: 'Ada', samples: 1 } });
    expect(mutation.profile).toBeUndefined();
  });

  it('coalesces only into the newest unsent row of the same kind, so no write changes place', async () => {
    await enrol('ada', [1]);
    await profiles.put('ada', { name: 'Ada L.', embedding: randomEmbedding(9) }, Priority.NORMAL);
    await profiles.put('ada', { name: 'Ada Lovelace', embedding: randomEmbedding(10) }, Priority.NORMAL);
    await enrol('ada', [2]);
    await enrol('ada', [3]);
    const all = await rows();
    expect(all.map((r) => [r.op, r.name, r.samples])).toEqual([
      ['enrol', 'Ada', 1],
      ['upsert', 'Ada Lovelace', null],
      ['enrol', 'Ada Lovelace', 2],
    ]);
    expect(all[1]?.base_hash).not.toBeNull();
  });

  it('queues an enrolment after a pending delete as its own row, so it is ordered after it', async () => {
    await enrol('ada', [1]);
    await profiles.remove('ada', Priority.NORMAL);
    await enrol('ada', [2]);
    const all = await rows();
    expect(all.map((r) => [r.op, r.samples])).toEqual([
      ['enrol', 1],
      ['delete', null],
      ['enrol', 1],
    ]);
    expect(await profiles.readRow('ada')).toMatchObject({ totalSamples: 1, deleted: false });
  });
});
