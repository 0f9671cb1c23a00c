// Polls the edge's /v1/status (through the transport) on its own timer, never on the verify path, to show the relay's state.
import { failureReason } from '@voicesync/core';
import type { BreakerState, Clock } from '@voicesync/core';
import type { Logger } from '../logger/index.ts';
import type { EdgeTransport } from '../sync/transport/index.ts';

export interface RelayView {
  /** Whether the edge answered the last health check at all. */
  reachable: boolean;
  checkedAt: number | null;
  httpStatus: number | null;
  error: string | null;
  breaker: BreakerState | null;
  retryAfterMs: number | null;
  pool: { max: number; active: number; idle: number; waiting: number; load: number } | null;
  uptimeMs: number | null;
}

export interface RelayStatusOptions {
  /** The edge, asked through the one transport every request to it takes. */
  transport: Pick<EdgeTransport, 'status'>;
  intervalMs: number;
  timeoutMs: number;
  clock: Clock;
  log: Logger;
}

const NOT_CHECKED: RelayView = {
  reachable: false,
  checkedAt: null,
  httpStatus: null,
  error: null,
  breaker: null,
  retryAfterMs: null,
  pool: null,
  uptimeMs: null,
};

export class RelayStatusPoller {
  private current: RelayView = NOT_CHECKED;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly options: RelayStatusOptions) {}

  get view(): RelayView {
    return this.current;
  }

  start(): void {
    if (this.timer) return;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One health check; failures become part of the view, never exceptions. */
  async refresh(): Promise<RelayView> {
    const { transport, timeoutMs, clock } = this.options;
    let next: RelayView;
    try {
      const { httpStatus, ok, status } = await transport.status(timeoutMs);
      const { pool } = status;
      next = {
        ...NOT_CHECKED,
        reachable: true,
        checkedAt: clock.now(),
        httpStatus,
        error: ok ? null : `edge answered ${httpStatus}`,
        breaker: status.breaker?.state ?? null,
        retryAfterMs: status.breaker?.retryAfterMs ?? null,
        pool: pool
          ? { max: pool.max, active: pool.active, idle: pool.idle, waiting: pool.waiting, load: pool.load }
          : null,
        uptimeMs: status.uptimeMs ?? null,
      };
    } catch (error) {
      next = { ...NOT_CHECKED, checkedAt: clock.now(), error: `edge unreachable: ${failureReason(error)}` };
    }
    this.logChanges(this.current, next);
    this.current = next;
    return next;
  }

  private logChanges(previous: RelayView, next: RelayView): void {
    const { log } = this.options;
    if (previous.checkedAt !== null && previous.reachable !== next.reachable) {
      if (next.reachable) log.info({ relay: 'reachable' }, 'relay status reachable again');
      else log.warn({ relay: 'unreachable', error: next.error }, 'relay status unreachable');
    }
    if (next.breaker !== null && previous.breaker !== next.breaker) {
      const from = previous.breaker ?? 'unknown';
      const line = `relay breaker ${from} -> ${next.breaker}`;
      if (next.breaker === 'CLOSED')
        log.info({ breaker: 'relay', state: next.breaker, previous: from }, line);
      else log.warn({ breaker: 'relay', state: next.breaker, previous: from }, line);
    }
  }
}
