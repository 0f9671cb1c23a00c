// Uploads the outbox: immediate for CRITICAL/HIGH, rounds for the rest, backoff, breaker, backpressure.
import {
  type CircuitBreaker,
  type Clock,
  isImmediate,
  Priority,
  PRIORITY_LEVELS,
  type PriorityName,
  perPriority,
  type Sleep,
} from '@voicesync/core';
import type { Logger } from '../../logger/index.ts';
import { SyncLoop } from '../loop/index.ts';
import { type NextBatch, type Outbox, type OutboxRow, toMutation } from '../outbox/index.ts';
import { PathWatch } from './outage.ts';
import {
  charge,
  idleEnd,
  lastId,
  type RoundEnd,
  type RoundOptions,
  refusalCost,
  sendableNow,
} from './round.ts';
import type { SyncStats } from '../stats.ts';
import { checkUpstream } from './upstream.ts';
import type { EdgeTransport, PushOutcome } from '../transport/index.ts';

type PathFailure = Extract<PushOutcome, { kind: 'unavailable' | 'refused' }>;

export interface PusherOptions extends RoundOptions {
  batchSize: number;
  syncIntervalMs: number;
  priorityLimits: Record<PriorityName, number>;
  /** The edge refused the device credential: a chance to pick up a new one (e.g. re-read tokenFile). */
  onCredentialRefused?: () => void;
}

const ALL_LEVELS = PRIORITY_LEVELS;
const IMMEDIATE_LEVELS = [Priority.CRITICAL, Priority.HIGH] as const;

export class Pusher {
  /** Rounds run on it; a wake during a round is never lost (the next round starts at once). */
  private readonly loop: SyncLoop;
  private flushRequested = false;
  private fullDue = true;
  private nextFullAt = 0;
  private notBefore = 0;
  /** After the edge refused a whole batch, send this many rows one by one to find the bad one. */
  private splitRemaining = 0;
  /** Whether this run has compared the local sync state with the upstream's (once per start). */
  private upstreamChecked = false;
  /** Failed attempts to reach the edge in a row; an outage is the path's, never a mutation's. */
  private readonly path: PathWatch;

  constructor(
    private readonly outbox: Outbox,
    private readonly transport: Pick<EdgeTransport, 'push' | 'handshake'>,
    private readonly breaker: CircuitBreaker,
    private readonly stats: SyncStats,
    private readonly clock: Clock,
    sleep: Sleep,
    private readonly options: PusherOptions,
    private readonly log: Logger,
  ) {
    this.path = new PathWatch(stats, clock, log, {
      initialMs: options.backoffInitialMs,
      maxMs: options.backoffMaxMs,
      onCredentialRefused: options.onCredentialRefused,
      ...(options.random ? { random: options.random } : {}),
    });
    this.loop = new SyncLoop(() => this.pass(), clock, sleep);
    outbox.onChange((change) => {
      if (change.kind === 'enqueued') this.wake(change.priority);
      else this.flushSoon();
    });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** A CRITICAL or HIGH write was committed: push it now instead of at the next round. */
  wake(priority: Priority = Priority.CRITICAL): void {
    if (isImmediate(priority)) this.loop.wake();
  }

  /** Starts a full round now (all priorities), e.g. after dead letters were re-queued. */
  flushSoon(): void {
    this.flushRequested = true;
    this.notBefore = 0;
    this.loop.wake();
  }

  /** One pass of the loop: a full round when one is due (or asked for), else CRITICAL and HIGH only. */
  private async pass(): Promise<number> {
    const now = this.clock.now();
    if (now >= this.nextFullAt) {
      this.fullDue = true;
      this.nextFullAt = now + this.options.syncIntervalMs;
    }
    if (this.flushRequested) {
      this.flushRequested = false;
      this.fullDue = true;
    }
    try {
      const end = await this.round(this.fullDue ? ALL_LEVELS : IMMEDIATE_LEVELS);
      if (end.done) this.fullDue = false;
      return end.done ? this.nextFullAt : Math.min(this.nextFullAt, end.retryAt);
    } catch (error) {
      this.log.error({ err: error }, 'push round failed');
      return Math.min(this.nextFullAt, this.clock.now() + this.options.backoffInitialMs);
    }
  }

  /**
   * Sends batches until nothing eligible is left, the per-level quotas are spent, or it must wait.
   * While a batch travels, the next one is numbered (one libSQL transaction, which also writes the
   * previous acknowledgement), so local bookkeeping is off the critical path of the upload.
   */
  async round(requested: readonly Priority[]): Promise<RoundEnd> {
    const quotas = perPriority(this.options.priorityLimits);
    let ahead: Extract<NextBatch, { kind: 'send' }> | undefined;
    try {
      for (;;) {
        const now = this.clock.now();
        if (this.notBefore > now) return { done: false, retryAt: this.notBefore };
        if (!this.upstreamChecked || !(await this.outbox.knowsUpstreamPosition())) {
          const end = await this.handshake();
          if (end) return end;
        }
        if (this.breaker.state === 'OPEN') return { done: false, retryAt: now + this.breaker.retryAfterMs() };
        const levels = sendableNow(requested, this.stats, this.options, this.clock.now());
        let batch: NextBatch | undefined = ahead;
        ahead = undefined;
        if (batch?.numbered && batch.rows.some((row) => !levels.includes(row.priority))) {
          // Backpressure began while these were being numbered: their ids go back, unsent.
          await this.outbox.release((batch.rows[0]?.mutationId ?? 1) - 1);
          batch = undefined;
        }
        if (!batch) {
          const size = this.splitRemaining > 0 ? 1 : this.options.batchSize;
          batch = await this.outbox.nextBatch(now, levels, quotas, size);
          if (batch.kind === 'idle') {
            await this.confirmRecovery();
            return idleEnd(this.outbox, this.stats, this.options, { requested, levels, quotas, now });
          }
          if (batch.kind === 'wait') return { done: false, retryAt: batch.until };
          charge(quotas, batch.rows);
        }
        if (!this.breaker.tryAcquire()) return { done: false, retryAt: now + 1000 };
        const rows = batch.rows;
        const started = this.clock.now();
        const [outcome, next] = await Promise.all([
          this.transport.push(rows.map(toMutation)),
          this.splitRemaining > 0
            ? undefined
            : this.outbox.nextBatch(now, levels, quotas, this.options.batchSize, lastId(rows)),
        ]);
        this.stats.observePush(this.clock.now() - started);
        if (next?.kind === 'send') charge(quotas, next.rows);
        const end = await this.settle(rows, outcome);
        if (end) return end;
        // After a gap the numbered batch lost its ids; after a refusal, rows go one by one.
        if (outcome.kind === 'ack' && next?.kind === 'send') ahead = next;
      }
    } finally {
      await this.outbox.flush();
    }
  }

  /** Books the edge's answer to one request; returns a RoundEnd when the round must stop. */
  private async settle(rows: OutboxRow[], outcome: PushOutcome): Promise<RoundEnd | undefined> {
    this.stats.batches += 1;
    if (outcome.kind === 'unavailable') {
      this.breaker.onFailure();
      this.stats.edgeAvailable = false;
      this.stats.failed += rows.length;
      return this.waitForPath(outcome);
    }
    this.breaker.onSuccess();
    this.stats.edgeAvailable = true;
    if (outcome.kind === 'refused' && (outcome.status === 401 || outcome.status === 403)) {
      this.stats.failed += rows.length;
      return this.waitForPath(outcome);
    }
    this.recovered();
    switch (outcome.kind) {
      case 'ack': {
        const { settled, rejected, dead } = this.outbox.acknowledge(outcome.ack, {
          ...refusalCost(rows, this.options, this.clock.now()),
          attempts: new Map(rows.map((row) => [row.mutationId ?? 0, row.attempts])),
        });
        this.stats.synced += settled;
        this.stats.rejected += rejected;
        this.stats.deadLettered += dead;
        this.stats.conflicts += outcome.ack.results.filter((r) => r.status === 'conflict').length;
        this.stats.load = outcome.ack.load;
        this.stats.loadAt = this.clock.now();
        this.stats.lastSyncAt = this.clock.now();
        if (this.splitRemaining > 0) this.splitRemaining -= 1;
        if (rejected > 0)
          this.log.warn({ rejected, dead }, 'edge rejected mutations; each spends an attempt');
        return undefined;
      }
      case 'gap':
        this.stats.gaps += 1;
        this.stats.synced += await this.outbox.settleUpTo(outcome.lastMutationId);
        return undefined;
      case 'refused': {
        if (rows.length > 1) {
          this.splitRemaining = rows.length;
          return undefined;
        }
        if (this.splitRemaining > 0) this.splitRemaining -= 1;
        const [row] = rows;
        if (!row) return undefined;
        const dead = await this.outbox.refuse(
          row,
          outcome.message,
          refusalCost(rows, this.options, this.clock.now()),
        );
        this.stats.rejected += 1;
        if (dead) this.stats.deadLettered += 1;
        this.log.warn(
          { status: outcome.status, code: outcome.code, attempts: row.attempts + 1, dead },
          dead
            ? 'edge refused a mutation past its retry budget; kept as a dead letter'
            : 'edge refused a mutation',
        );
        return undefined;
      }
    }
  }

  /** The edge answered: after an outage, a full round starts at once, highest priority first. */
  private recovered(): void {
    if (!this.path.answered()) return;
    this.flushRequested = true;
    this.loop.wake();
  }

  /** The path is down (or the credential refused): no row spends an attempt; the queue backs off. */
  private waitForPath(outcome: PathFailure): RoundEnd {
    this.notBefore = this.path.failed(outcome);
    return { done: false, retryAt: this.notBefore };
  }

  /**
   * A half-open breaker whose probe succeeded and found nothing more to send would re-open after its
   * half-open timeout and hold the next write for a minute: one more cheap request closes it.
   */
  private async confirmRecovery(): Promise<void> {
    if (this.breaker.state !== 'HALF_OPEN' || !this.breaker.tryAcquire()) return;
    const outcome = await this.transport.handshake();
    if (outcome.kind === 'unavailable') this.breaker.onFailure();
    else this.breaker.onSuccess();
  }

  private async handshake(): Promise<RoundEnd | undefined> {
    const now = this.clock.now();
    if (this.breaker.state === 'OPEN') return { done: false, retryAt: now + this.breaker.retryAfterMs() };
    if (!this.breaker.tryAcquire()) return { done: false, retryAt: now + 1000 };
    const outcome = await this.transport.handshake();
    if (outcome.kind === 'ok') {
      this.breaker.onSuccess();
      this.stats.edgeAvailable = true;
      this.recovered();
      this.upstreamChecked = true;
      await checkUpstream(this.outbox, this.stats, this.log, outcome);
      return undefined;
    }
    if (outcome.kind === 'unavailable') {
      this.breaker.onFailure();
      this.stats.edgeAvailable = false;
    } else {
      this.breaker.onSuccess();
    }
    return this.waitForPath(outcome);
  }
}
