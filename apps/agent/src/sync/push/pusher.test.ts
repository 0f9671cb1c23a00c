import {
  type CircuitBreaker,
  type ManualClock,
  Priority,
  PRIORITY_LEVELS,
  toPriority,
} from '@voicesync/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../logger/index.ts';
import type { Outbox } from '../outbox/index.ts';
import type { ScriptedEdge } from '../../testing/index.ts';
import { Pusher } from './pusher.ts';
import type { SyncStats } from '../stats.ts';
import type { PushOutcome } from '../transport/index.ts';

const ALL = PRIORITY_LEVELS;

import { options, type PusherFixture, pusherFixture } from './fixture.ts';

describe('Pusher', () => {
  let f: PusherFixture;
  let store: PusherFixture['store'];
  let outbox: Outbox;
  let edge: ScriptedEdge;
  let clock: ManualClock;
  let stats: SyncStats;
  let breaker: CircuitBreaker;
  let pusher: Pusher;
  let write: PusherFixture['write'];

  beforeEach(async () => {
    f = await pusherFixture();
    ({ store, outbox, edge, clock, stats, breaker, pusher, write } = f);
  });
  afterEach(() => store.cleanup());

  it('uploads in batches of at most batchSize and empties the outbox', async () => {
    for (let i = 0; i < 120; i++) await write(`s${i}`, Priority.NORMAL, i);
    expect(await pusher.round(ALL)).toEqual({ done: true });
    expect(edge.requests.map((r) => r.length)).toEqual([50, 50, 20]);
    expect(edge.applied).toHaveLength(120);
    expect((await outbox.counts()).pending).toBe(0);
    expect(stats.synced).toBe(120);
  });

  it('a level that spent its round quota continues in an immediate next round, highest priority first', async () => {
    for (let i = 0; i < 250; i++) await write(`n${i}`, Priority.NORMAL, i);
    const first = await pusher.round(ALL);
    expect(first).toEqual({ done: false, retryAt: clock.now() });
    expect(edge.applied).toHaveLength(200);
    await write('urgent', Priority.CRITICAL);
    expect(await pusher.round(ALL)).toEqual({ done: true });
    expect(edge.applied[200]?.speakerId).toBe('urgent');
    expect(edge.applied).toHaveLength(251);
  });

  it('a fresh database learns the device position upstream before numbering (reinstalled device)', async () => {
    edge.lastMutationId = 200;
    await write('a', Priority.CRITICAL);
    expect(await pusher.round(ALL)).toEqual({ done: true });
    expect(edge.applied.map((m) => [m.speakerId, m.mutationId])).toEqual([['a', 201]]);
  });

  it('a lost acknowledgement is resent with the same ids and applied once', async () => {
    for (let i = 0; i < 3; i++) await write(`s${i}`, Priority.HIGH, i);
    edge.script.push('commit-but-lose-ack');
    const first = await pusher.round(ALL);
    expect(first.done).toBe(false);
    expect(edge.applied).toHaveLength(3);
    clock.advance(2_000);
    expect(await pusher.round(ALL)).toEqual({ done: true });
    expect(edge.requests[1]?.map((m) => m.mutationId)).toEqual([1, 2, 3]);
    expect(edge.applied).toHaveLength(3);
    expect((await outbox.counts()).pending).toBe(0);
  });

  it('under backpressure sends CRITICAL and HIGH, defers the rest without dropping it', async () => {
    edge.load = 0.95;
    await write('warmup', Priority.CRITICAL);
    await pusher.round(ALL);
    await write('low', Priority.LOW);
    await write('deferred', Priority.DEFERRED);
    await write('crit', Priority.CRITICAL);
    // The deferred levels are retried when the high-load report has cooled down, not at the next interval.
    expect(await pusher.round(ALL)).toEqual({ done: false, retryAt: stats.loadAt + 2_000 });
    expect(edge.applied.map((m) => m.speakerId)).toEqual(['warmup', 'crit']);
    expect(stats.deferred).toBeGreaterThan(0);
    expect((await outbox.counts()).pending).toBe(2);
    edge.load = 0.1;
    clock.advance(2_000);
    await pusher.round(ALL);
    expect(edge.applied.map((m) => m.speakerId)).toEqual(['warmup', 'crit', 'low', 'deferred']);
  });

  it('numbers the next batch while one travels, and takes it back unsent when backpressure begins', async () => {
    for (let i = 0; i < 120; i++) await write(`s${i}`, Priority.NORMAL, i);
    edge.load = 0.95;
    // The first ack reports the high load; the second batch was numbered meanwhile but must not go.
    expect(await pusher.round(ALL)).toEqual({ done: false, retryAt: stats.loadAt + 2_000 });
    expect(edge.requests.map((r) => r.length)).toEqual([50]);
    const pending = await outbox.list('pending', 200);
    expect(pending).toHaveLength(70);
    expect(pending.every((row) => row.mutationId === null)).toBe(true);
    edge.load = 0.1;
    clock.advance(2_000);
    expect(await pusher.round(ALL)).toEqual({ done: true });
    // Ids continue after the released ones were taken back: no gap, nothing sent twice.
    expect(edge.requests.map((r) => r.length)).toEqual([50, 50, 20]);
    expect(edge.applied.map((m) => m.mutationId)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
  });

  it('opens its breaker after 5 failures, then stops calling the edge until it may probe; nothing dead-letters', async () => {
    await write('a', Priority.CRITICAL);
    for (let i = 0; i < 5; i++) {
      edge.script.push({ kind: 'unavailable', status: 503, message: 'down' });
      await pusher.round(ALL);
      clock.advance(60_000);
    }
    expect(breaker.state).toBe('HALF_OPEN');
    expect(edge.requests).toHaveLength(5);
    expect((await outbox.counts()).deadLetters).toBe(0);
    expect((await outbox.list('pending', 10))[0]?.attempts).toBe(0);
    await pusher.round(ALL);
    expect(edge.applied.map((m) => m.speakerId)).toEqual(['a']);
  });

  it('no answer that says the path is down spends an attempt or makes a dead letter', async () => {
    const outages: PushOutcome[] = [
      { kind: 'unavailable', message: 'edge unreachable: ECONNREFUSED' },
      { kind: 'unavailable', message: 'edge unreachable: ECONNRESET' },
      { kind: 'unavailable', message: 'edge unreachable: getaddrinfo ENOTFOUND' },
      { kind: 'unavailable', message: 'edge unreachable: The operation was aborted due to timeout' },
      { kind: 'unavailable', status: 500, message: '500 internal' },
      { kind: 'unavailable', status: 502, message: '502 bad gateway' },
      { kind: 'unavailable', status: 408, message: '408 timeout' },
      { kind: 'unavailable', status: 429, retryAfterMs: 5_000, message: '429' },
      { kind: 'unavailable', status: 503, code: 'upstream_unavailable', message: '503 circuit open' },
      { kind: 'unavailable', status: 503, retryAfterMs: 30_000, message: '503 with Retry-After' },
      { kind: 'unavailable', status: 301, message: 'edge answered 301, a redirect' },
      { kind: 'unavailable', status: 404, message: '404 (not an answer of the voicesync edge)' },
    ];
    for (let i = 0; i < 10; i++) await write(`s${i}`, toPriority(i % 5), i);
    for (let round = 0; round < 60; round++) {
      edge.script.push(outages[round % outages.length]!);
      const end = await pusher.round(ALL);
      if (!end.done) expect(end.retryAt - clock.now()).toBeLessThanOrEqual(60_000);
      clock.advance(60_000);
    }
    const rows = await outbox.list('all', 20);
    expect(rows).toHaveLength(10);
    expect(rows.every((row) => row.status === 'pending' && row.attempts === 0)).toBe(true);
    expect(stats.deadLettered).toBe(0);
    // The path comes back: the probe succeeds, the breaker closes, and one round drains everything.
    await pusher.round(ALL);
    expect(breaker.state).toBe('CLOSED');
    expect(edge.applied.map((m) => m.priority)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    expect((await outbox.counts()).pending).toBe(0);
  });

  it('says why the queue waits and since when: edge down, then database down, then nothing', async () => {
    await write('a', Priority.CRITICAL);
    const started = clock.now();
    edge.script.push({ kind: 'unavailable', message: 'edge unreachable: ECONNREFUSED' });
    await pusher.round(ALL);
    expect(stats.waiting).toMatchObject({ reason: 'edge_down', since: started });
    clock.advance(5_000);
    edge.script.push({ kind: 'unavailable', status: 503, code: 'upstream_unavailable', message: 'pg down' });
    await pusher.round(ALL);
    expect(stats.waiting).toMatchObject({ reason: 'database_down', since: started + 5_000 });
    clock.advance(60_000);
    await pusher.round(ALL);
    expect(stats.waiting).toBeUndefined();
    expect(edge.applied).toHaveLength(1);
  });

  it('a refused credential dead-letters nothing, waits saying so, and a new token resumes the queue', async () => {
    let refusals = 0;
    const refusing = new Pusher(
      outbox,
      edge,
      breaker,
      stats,
      clock,
      async () => undefined,
      { ...options, onCredentialRefused: () => (refusals += 1) },
      createLogger('silent'),
    );
    for (let i = 0; i < 3; i++) await write(`s${i}`, Priority.HIGH, i);
    for (let i = 0; i < 20; i++) {
      edge.script.push({ kind: 'refused', status: 401, code: 'unauthorized', message: '401 unauthorized' });
      const end = await refusing.round(ALL);
      expect(end.done).toBe(false);
      clock.advance(60_000);
    }
    expect(refusals).toBe(20);
    expect(stats.waiting).toMatchObject({ reason: 'credential_refused' });
    expect(stats.waiting?.message).toContain('new token');
    expect((await outbox.counts()).deadLetters).toBe(0);
    expect((await outbox.list('pending', 10)).every((row) => row.attempts === 0)).toBe(true);
    // The operator's new token is accepted: the queue drains with no other action.
    expect(await refusing.round(ALL)).toEqual({ done: true });
    expect(edge.applied).toHaveLength(3);
    expect(stats.waiting).toBeUndefined();
  });

  it('backoff on a long outage doubles from 1 s and stays at 60 s', async () => {
    await write('a', Priority.CRITICAL);
    const waits: number[] = [];
    for (let i = 0; i < 10; i++) {
      // An open breaker is what the edge reports; the agent's own breaker must not hide the backoff.
      breaker.onSuccess();
      edge.script.push({ kind: 'unavailable', message: 'edge unreachable' });
      const end = await pusher.round(ALL);
      if (end.done) throw new Error('expected a wait');
      waits.push(end.retryAt - clock.now());
      clock.set(end.retryAt);
      if (breaker.state === 'OPEN') clock.advance(breaker.retryAfterMs());
    }
    expect(waits.slice(0, 7)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000]);
    expect(Math.max(...waits)).toBe(60_000);
  });

  it('honours Retry-After from the edge', async () => {
    await write('a', Priority.CRITICAL);
    edge.script.push({ kind: 'unavailable', status: 503, retryAfterMs: 20_000, message: 'breaker open' });
    const end = await pusher.round(ALL);
    expect(end).toEqual({ done: false, retryAt: clock.now() + 20_000 });
    clock.advance(19_000);
    await pusher.round(ALL);
    expect(edge.requests).toHaveLength(1);
  });

  it('a refused mutation spends one attempt per refusal, does not block the ones behind it, and dead-letters after 5', async () => {
    await write('a', Priority.NORMAL);
    await write('bad', Priority.NORMAL);
    await write('c', Priority.NORMAL);
    await write('d', Priority.NORMAL);
    edge.refuse = (m) => m.speakerId === 'bad';
    // The round ends with the refused row's due time, so it is retried then, not at the next interval.
    const first = await pusher.round(ALL);
    expect(edge.applied.map((m) => m.speakerId)).toEqual(['a', 'c', 'd']);
    expect(edge.applied.map((m) => m.mutationId)).toEqual([1, 2, 3]);
    const [waiting] = await outbox.list('pending', 10);
    expect(waiting).toMatchObject({ speakerId: 'bad', attempts: 1 });
    expect(first).toEqual({ done: false, retryAt: waiting?.nextAttemptAt });
    for (let refusal = 2; refusal <= 5; refusal++) {
      clock.advance(60_000);
      expect((await pusher.round(ALL)).done).toBe(refusal === 5);
    }
    expect(await outbox.list('dead', 10)).toMatchObject([{ speakerId: 'bad', attempts: 5 }]);
    expect((await outbox.counts()).pending).toBe(0);
    expect(stats.deadLettered).toBe(1);
  });
});
