// Polls the edge's /v1/status on its own timer (never on the verify path) so the agent can show the relay's state.
import { failureReason } from '@voicesync/core';
import type { BreakerState, Clock } from '@voicesync/core';
import { z } from 'zod';
import type { Logger } from '../logger/index.ts';
import type { Fetch } from '../sync/transport/index.ts';

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
  edgeUrl: string;
  intervalMs: number;
  timeoutMs: number;
  fetch: Fetch;
  clock: Clock;
  log: Logger;
}

/** Lenient on purpose: the edge may add fields, and a partial answer is still worth showing. */
const relayStatusSchema = z.object({
  breaker: z
    .object({ state: z.enum(['CLOSED', 'OPEN', 'HALF_OPEN']), retryAfterMs: z.number().optional() })
    .optional(),
  pool: z
    .object({ max: z.number(), active: z.number(), idle: z.number(), waiting: z.number(), load: z.number() })
    .nullable()
    .optional(),
  uptimeMs: z.number().optional(),
});

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
    const { edgeUrl, timeoutMs, clock } = this.options;
    let next: RelayView;
    try {
      // No device token: the edge serves its status to anyone, and a credential sent where it is not needed can only leak.
      const response = await this.options.fetch(new URL('/v1/status', edgeUrl).toString(), {
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = (await response.json().catch(() => undefined)) as { relay?: unknown } | undefined;
      const parsed = relayStatusSchema.safeParse(body?.relay ?? body);
      const status = parsed.success ? parsed.data : {};
      next = {
        ...NOT_CHECKED,
        reachable: true,
        checkedAt: clock.now(),
        httpStatus: response.status,
        error: response.ok ? null : `edge answered ${response.status}`,
        breaker: status.breaker?.state ?? null,
        retryAfterMs: status.breaker?.retryAfterMs ?? null,
        pool: status.pool ?? null,
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
