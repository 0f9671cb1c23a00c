import { Priority } from '@voicesync/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../logger/index.ts';
import { ProfileStore } from '../../profiles/index.ts';
import { randomEmbedding } from '../../testing/index.ts';
import type { Outbox } from '../outbox/index.ts';
import { options, type PusherFixture, pusherFixture } from './fixture.ts';
import { Pusher } from './pusher.ts';

describe('Pusher loop', () => {
  let f: PusherFixture;
  let store: PusherFixture['store'];
  let outbox: Outbox;
  let edge: PusherFixture['edge'];
  let clock: PusherFixture['clock'];
  let stats: PusherFixture['stats'];
  let breaker: PusherFixture['breaker'];
  let write: PusherFixture['write'];
  beforeEach(async () => {
    f = await pusherFixture();
    ({ store, outbox, edge, clock, stats, breaker, write } = f);
  });
  afterEach(() => store.cleanup());

  it('a wake that arrives during a round is not lost (the loop does not sleep through it)', async () => {
    // A sleep that only ends when aborted: a lost wake would leave the loop asleep forever.
    const sleepUntilAborted = (_ms: number, signal?: AbortSignal) =>
      new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));
    let looping: Pusher | undefined;
    let injected = false;
    // The write lands just after the round found nothing more to send, before the loop sleeps.
    // Wrapped on the instance itself: the outbox keeps state (an acknowledgement held in memory).
    const nextBatch = outbox.nextBatch.bind(outbox);
    outbox.nextBatch = async (...args: Parameters<Outbox['nextBatch']>) => {
      const batch = await nextBatch(...args);
      if (batch.kind === 'idle' && !injected && edge.applied.length === 1) {
        injected = true;
        await write('second', Priority.CRITICAL);
        looping?.wake(Priority.CRITICAL);
      }
      return batch;
    };
    looping = new Pusher(
      outbox,
      edge,
      breaker,
      stats,
      clock,
      sleepUntilAborted,
      options,
      createLogger('silent'),
    );
    await write('first', Priority.CRITICAL);
    looping.start();
    const deadline = Date.now() + 3_000;
    while (edge.applied.length < 2 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    await looping.stop();
    expect(injected).toBe(true);
    expect(edge.applied.map((m) => m.speakerId)).toEqual(['first', 'second']);
  });

  it('outbox changes wake it: a committed HIGH write at once, a NORMAL one at its round, re-queued dead letters in a full round', async () => {
    let sleeps = 0;
    const sleepUntilAborted = (_ms: number, signal?: AbortSignal) => {
      sleeps += 1;
      return new Promise<void>((resolve) =>
        signal?.addEventListener('abort', () => resolve(), { once: true }),
      );
    };
    const writer = new ProfileStore(store, { now: () => clock.now(), outbox });
    const looping = new Pusher(
      outbox,
      edge,
      breaker,
      stats,
      clock,
      sleepUntilAborted,
      options,
      createLogger('silent'),
    );
    const settle = async (until: () => boolean) => {
      const deadline = Date.now() + 3_000;
      while (!until() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    };
    looping.start();
    await settle(() => sleeps === 1);
    await writer.put('normal', { name: 'normal', embedding: randomEmbedding(1) }, Priority.NORMAL);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(edge.applied).toHaveLength(0);
    await writer.put('high', { name: 'high', embedding: randomEmbedding(2) }, Priority.HIGH);
    await settle(() => edge.applied.length === 1);
    expect(edge.applied.map((m) => m.speakerId)).toEqual(['high']);
    await outbox.retryDead();
    await settle(() => edge.applied.length === 2);
    await looping.stop();
    expect(edge.applied.map((m) => m.speakerId)).toEqual(['high', 'normal']);
  });
});
