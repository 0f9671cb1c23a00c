import { ManualClock } from '@voicesync/core';
import { describe, expect, it } from 'vitest';
import { SyncLoop } from './index.ts';

/** A sleep that records what it was asked for and ends only when aborted or released by hand. */
function recordingSleep() {
  const asked: number[] = [];
  let release: (() => void) | undefined;
  const sleep = (ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      asked.push(ms);
      release = resolve;
      signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    });
  return { asked, sleep, release: () => release?.() };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('SyncLoop', () => {
  it('sleeps until the time the pass returns, on the injected clock', async () => {
    const clock = new ManualClock(1_000);
    const { asked, sleep, release } = recordingSleep();
    let passes = 0;
    const loop = new SyncLoop(
      async () => {
        passes += 1;
        return clock.now() + 30_000;
      },
      clock,
      sleep,
    );
    loop.start();
    await tick();
    expect(passes).toBe(1);
    expect(asked).toEqual([30_000]);
    release();
    await tick();
    expect(passes).toBe(2);
    await loop.stop();
  });

  it('a wake cuts the sleep short; a time already past sleeps zero', async () => {
    const clock = new ManualClock(0);
    const { asked, sleep } = recordingSleep();
    let passes = 0;
    const loop = new SyncLoop(
      async () => {
        passes += 1;
        return passes === 1 ? 60_000 : -5;
      },
      clock,
      sleep,
    );
    loop.start();
    await tick();
    loop.wake();
    await tick();
    expect(passes).toBe(2);
    expect(asked).toEqual([60_000, 0]);
    await loop.stop();
  });

  it('a wake during a pass runs the next pass without sleeping', async () => {
    const clock = new ManualClock(0);
    const { asked, sleep } = recordingSleep();
    let passes = 0;
    const loop = new SyncLoop(
      async () => {
        passes += 1;
        if (passes === 1) loop.wake();
        return 60_000;
      },
      clock,
      sleep,
    );
    loop.start();
    await tick();
    expect(passes).toBe(2);
    expect(asked).toEqual([60_000]);
    await loop.stop();
  });

  it('stop() during a pass ends the loop without starting a sleep', async () => {
    const clock = new ManualClock(0);
    const { asked, sleep } = recordingSleep();
    let finish: (() => void) | undefined;
    const loop = new SyncLoop(
      () =>
        new Promise<number>((resolve) => {
          finish = () => resolve(60_000);
        }),
      clock,
      sleep,
    );
    loop.start();
    await tick();
    const stopped = loop.stop();
    finish?.();
    await stopped;
    expect(asked).toEqual([]);
    expect(loop.started).toBe(false);
  });
});
