import { DEFAULT_BREAKER_OPTIONS, ManualClock } from '@voicesync/core';
import { describe, expect, it } from 'vitest';
import { persistentBreaker, type SnapshotStorage } from './breaker-store.ts';

function memoryStorage(initial: Record<string, unknown> = {}) {
  const data = new Map(Object.entries(initial));
  const storage: SnapshotStorage = {
    get: async <T>(key: string) => data.get(key) as T | undefined,
    put: async (key, value) => {
      data.set(key, value);
    },
  };
  return { data, storage };
}

describe('persistentBreaker', () => {
  it('stores a snapshot on every state change', async () => {
    const clock = new ManualClock(5000);
    const { data, storage } = memoryStorage();
    const breaker = await persistentBreaker(storage, clock, DEFAULT_BREAKER_OPTIONS);
    for (let i = 0; i < 5; i++) breaker.onFailure();
    expect(data.get('breaker')).toEqual({ state: 'OPEN', failures: 0, successes: 0, since: 5000 });
  });

  it('comes back open, with the time left, after a restart', async () => {
    const clock = new ManualClock(70_000);
    const { storage } = memoryStorage({
      breaker: { state: 'OPEN', failures: 0, successes: 0, since: 50_000 },
    });
    const breaker = await persistentBreaker(storage, clock, DEFAULT_BREAKER_OPTIONS);
    expect(breaker.state).toBe('OPEN');
    expect(breaker.retryAfterMs()).toBe(40_000);
  });

  it('ignores a stored value that is not a snapshot', async () => {
    const { storage } = memoryStorage({ breaker: { state: 'WEIRD' } });
    const breaker = await persistentBreaker(storage, new ManualClock(), DEFAULT_BREAKER_OPTIONS);
    expect(breaker.state).toBe('CLOSED');
  });
});
