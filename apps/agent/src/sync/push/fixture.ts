// The pusher's test fixture: a real libSQL outbox, a scripted edge, a manual clock (for *.test.ts only).
import { CircuitBreaker, ManualClock, type Priority } from '@voicesync/core';
import { createLogger } from '../../logger/index.ts';
import { ProfileStore } from '../../profiles/index.ts';
import { randomEmbedding, ScriptedEdge, tempStore } from '../../testing/index.ts';
import { Outbox } from '../outbox/index.ts';
import { SyncStats } from '../stats.ts';
import { Pusher } from './pusher.ts';

export const options = {
  batchSize: 50,
  syncIntervalMs: 30_000,
  maxAttempts: 5,
  backoffInitialMs: 1_000,
  backoffMaxMs: 60_000,
  backpressureThreshold: 0.8,
  backpressureCooldownMs: 2_000,
  priorityLimits: { CRITICAL: 1000, HIGH: 500, NORMAL: 200, LOW: 100, DEFERRED: 50 },
  random: () => 1,
};

/** A pusher over a fresh store; `write` commits a profile and its outbox entry. */
export async function pusherFixture() {
  const store = await tempStore();
  const clock = new ManualClock(1_000_000);
  const profiles = new ProfileStore(store, { now: () => clock.now() });
  const outbox = new Outbox(store);
  const edge = new ScriptedEdge();
  const stats = new SyncStats();
  const breaker = new CircuitBreaker(clock);
  const sleep = async () => undefined;
  const pusher = new Pusher(outbox, edge, breaker, stats, clock, sleep, options, createLogger('silent'));
  const write = (id: string, priority: Priority, seed = id.length) =>
    profiles.put(id, { name: id, embedding: randomEmbedding(seed) }, priority);
  return { store, clock, profiles, outbox, edge, stats, breaker, pusher, write };
}

export type PusherFixture = Awaited<ReturnType<typeof pusherFixture>>;
