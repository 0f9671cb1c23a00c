import { CircuitBreaker, ManualClock } from '@voicesync/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FailureStreak } from './failure-streak.ts';

describe('FailureStreak', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('opens the breaker when one failure is not followed by a success within the deadline', () => {
    const breaker = new CircuitBreaker(new ManualClock(0));
    const streak = new FailureStreak(breaker, 800);
    breaker.onFailure();
    streak.failed();
    vi.advanceTimersByTime(799);
    expect(breaker.state).toBe('CLOSED');
    vi.advanceTimersByTime(1);
    expect(breaker.state).toBe('OPEN');
  });

  it('leaves the breaker closed when a success breaks the streak', () => {
    const breaker = new CircuitBreaker(new ManualClock(0));
    const streak = new FailureStreak(breaker, 800);
    breaker.onFailure();
    streak.failed();
    vi.advanceTimersByTime(500);
    breaker.onSuccess();
    streak.succeeded();
    vi.advanceTimersByTime(1_000);
    expect(breaker.state).toBe('CLOSED');
  });

  it('times a streak from its first failure, not its latest', () => {
    const breaker = new CircuitBreaker(new ManualClock(0));
    const streak = new FailureStreak(breaker, 800);
    for (let i = 0; i < 3; i++) {
      breaker.onFailure();
      streak.failed();
      vi.advanceTimersByTime(300);
    }
    expect(breaker.state).toBe('OPEN');
  });
});
