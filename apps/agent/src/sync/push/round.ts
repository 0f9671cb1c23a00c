// The decisions of one push round, apart from its I/O: which levels may go, when it ends, what a refusal costs.
import { backoffDelay, halfJitter, isImmediate, type PerPriority, type Priority } from '@voicesync/core';
import type { Outbox, OutboxRow } from '../outbox/index.ts';
import type { SyncStats } from '../stats.ts';
import { WAIT_ADVICE } from './outage.ts';

/** The pusher's settings these decisions read. */
export interface RoundOptions {
  maxAttempts: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  backpressureThreshold: number;
  backpressureCooldownMs: number;
  random?: () => number;
}

/** A round ends when nothing is left to send (`done`) or when it must wait until `retryAt`. */
export type RoundEnd = { done: true } | { done: false; retryAt: number };

/** Counts a formed batch against the round's per-level quotas. */
export function charge(quotas: PerPriority, rows: OutboxRow[]): void {
  for (const row of rows) quotas[row.priority] -= 1;
}

export function lastId(rows: OutboxRow[]): number {
  return rows[rows.length - 1]?.mutationId ?? 0;
}

/** The requested levels that may be sent now: only CRITICAL and HIGH while the edge's pool load is high. */
export function sendableNow(
  requested: readonly Priority[],
  stats: SyncStats,
  options: RoundOptions,
  now: number,
): Priority[] {
  const fresh = now - stats.loadAt < options.backpressureCooldownMs;
  if (fresh && stats.load > options.backpressureThreshold) {
    if (requested.some((level) => !isImmediate(level))) {
      stats.deferred += 1;
      if (!stats.waiting) stats.wait('backpressure', WAIT_ADVICE.backpressure, now);
    }
    return requested.filter(isImmediate);
  }
  stats.resume('backpressure');
  return [...requested];
}

/** Nothing eligible now: decide whether the round goes on at once, later, or is done. */
export async function idleEnd(
  outbox: Pick<Outbox, 'hasEligible' | 'nextDue'>,
  stats: SyncStats,
  options: RoundOptions,
  round: { requested: readonly Priority[]; levels: Priority[]; quotas: PerPriority; now: number },
): Promise<RoundEnd> {
  const { requested, levels, quotas, now } = round;
  // A level that spent its quota with entries left goes on in the next round, started at once:
  // quotas bound what one round holds and sends, not how fast a healthy edge drains a backlog.
  const spent = levels.filter((level) => quotas[level] <= 0);
  if (spent.length > 0 && (await outbox.hasEligible(spent, now))) return { done: false, retryAt: now };
  // Levels held back by backpressure are tried again once the load report has cooled down.
  const deferred = requested.filter((level) => !levels.includes(level));
  if (deferred.length > 0 && (await outbox.hasEligible(deferred, now))) {
    return { done: false, retryAt: stats.loadAt + options.backpressureCooldownMs };
  }
  // A refused entry waiting out its backoff is tried again when due, not at the next interval.
  const due = await outbox.nextDue(now);
  if (due !== undefined) return { done: false, retryAt: due };
  return { done: true };
}

/** The cost of one refusal: an attempt, and a wait of the usual backoff for that attempt. */
export function refusalCost(
  rows: OutboxRow[],
  options: RoundOptions,
  now: number,
): { maxAttempts: number; nextAttemptAt: number } {
  const attempt = Math.max(...rows.map((r) => r.attempts)) + 1;
  const delay = backoffDelay(attempt, {
    initialMs: options.backoffInitialMs,
    maxMs: options.backoffMaxMs,
    jitter: halfJitter(options.random ?? Math.random),
  });
  return { maxAttempts: options.maxAttempts, nextAttemptAt: now + delay };
}
