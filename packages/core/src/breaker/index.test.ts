import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock/index.ts';
import { CircuitBreaker } from './index.ts';

function open(breaker: CircuitBreaker, failures = 5) {
  for (let i = 0; i < failures; i++) {
    expect(breaker.tryAcquire()).toBe(true);
    breaker.onFailure();
  }
}

describe('CircuitBreaker', () => {
  it('opens after exactly failureThreshold consecutive failures', () => {
    const breaker = new CircuitBreaker(new ManualClock(0));
    open(breaker, 4);
    expect(breaker.state).toBe('CLOSED');
    breaker.onFailure();
    expect(breaker.state).toBe('OPEN');
    expect(breaker.tryAcquire()).toBe(false);
    expect(breaker.retryAfterMs()).toBe(60_000);
  });

  it('trip opens a closed breaker at once and leaves an open or half-open one alone', () => {
    const clock = new ManualClock(0);
    const breaker = new CircuitBreaker(clock);
    open(breaker, 1);
    expect(breaker.failures).toBe(1);
    breaker.trip();
    expect(breaker.state).toBe('OPEN');
    expect(breaker.retryAfterMs()).toBe(60_000);
    clock.advance(60_000);
    expect(breaker.state).toBe('HALF_OPEN');
    breaker.trip();
    expect(breaker.state).toBe('HALF_OPEN');
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false);
  });

  it('a success in CLOSED resets the failure count', () => {
    const breaker = new CircuitBreaker(new ManualClock(0));
    open(breaker, 4);
    breaker.onSuccess();
    open(breaker, 4);
    expect(breaker.state).toBe('CLOSED');
  });

  it('half-opens after openMs, lets one probe through, closes after 2 successes', () => {
    const clock = new ManualClock(0);
    const breaker = new CircuitBreaker(clock);
    open(breaker);
    clock.advance(59_999);
    expect(breaker.tryAcquire()).toBe(false);
    clock.advance(1);
    expect(breaker.state).toBe('HALF_OPEN');
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false);
    breaker.onSuccess();
    expect(breaker.state).toBe('HALF_OPEN');
    expect(breaker.tryAcquire()).toBe(true);
    breaker.onSuccess();
    expect(breaker.state).toBe('CLOSED');
  });

  it('a failed probe re-opens for another full openMs', () => {
    const clock = new ManualClock(0);
    const breaker = new CircuitBreaker(clock);
    open(breaker);
    clock.advance(60_000);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.onFailure();
    expect(breaker.state).toBe('OPEN');
    expect(breaker.retryAfterMs()).toBe(60_000);
  });

  it('re-opens when half-open does not close within the half-open timeout', () => {
    const clock = new ManualClock(0);
    const breaker = new CircuitBreaker(clock);
    open(breaker);
    clock.advance(60_000);
    expect(breaker.tryAcquire()).toBe(true);
    clock.advance(30_000);
    expect(breaker.state).toBe('OPEN');
    expect(breaker.tryAcquire()).toBe(false);
  });

  it('survives a restart through its snapshot', () => {
    const clock = new ManualClock(1_000);
    const breaker = new CircuitBreaker(clock, { openMs: 10_000 });
    open(breaker);
    const snapshot = JSON.parse(JSON.stringify(breaker.toJSON()));
    clock.advance(4_000);
    const restored = new CircuitBreaker(clock, { openMs: 10_000 }, snapshot);
    expect(restored.state).toBe('OPEN');
    expect(restored.retryAfterMs()).toBe(6_000);
    clock.advance(6_000);
    expect(restored.state).toBe('HALF_OPEN');
  });

  it('reports every transition to listeners', () => {
    const clock = new ManualClock(0);
    const breaker = new CircuitBreaker(clock, { failureThreshold: 1, successThreshold: 1 });
    const seen: string[] = [];
    breaker.onStateChange((state, previous) => seen.push(`${previous}->${state}`));
    breaker.tryAcquire();
    breaker.onFailure();
    clock.advance(60_000);
    breaker.tryAcquire();
    breaker.onSuccess();
    expect(seen).toEqual(['CLOSED->OPEN', 'OPEN->HALF_OPEN', 'HALF_OPEN->CLOSED']);
  });
});
