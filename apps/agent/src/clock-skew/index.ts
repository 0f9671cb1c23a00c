// How far this machine's clock runs from the edge's (its Date header), and write times that stay sane either way.
import type { Clock } from '@voicesync/core';
import type { Logger } from '../logger/index.ts';

/** The largest `updatedAt` the wire accepts (`z.number().int()` in @voicesync/schema: a safe integer). */
export const MAX_WIRE_UPDATED_AT = Number.MAX_SAFE_INTEGER;

export interface ClockSkewView {
  /** Local minus edge time in ms (positive: this clock is ahead); null before the edge answered. */
  skewMs: number | null;
  /** Whether the local clock is ahead by more than the tolerance; write times then follow the edge's clock. */
  ahead: boolean;
  toleranceMs: number;
  checkedAt: number | null;
}

/**
 * Learns the offset from every edge answer. A clock far ahead is logged once per episode and
 * corrected for in `now()`: a write stamped a year ahead would otherwise win every conflict for a
 * year and be refused by an edge that bounds skew.
 */
export class ClockSkew {
  private skewMs: number | null = null;
  private checkedAt: number | null = null;
  private ahead = false;

  constructor(
    private readonly clock: Clock,
    private readonly toleranceMs: number,
    private readonly log: Logger,
  ) {}

  /** Records the edge's `Date` header of an answer to a request sent at `sentAt` and answered at `receivedAt`. */
  observe(date: string | null, sentAt: number, receivedAt: number): void {
    const edgeSecond = date === null ? Number.NaN : Date.parse(date);
    if (!Number.isFinite(edgeSecond)) return;
    // Date has whole seconds and was stamped somewhere in the round trip: compare middles.
    const skew = Math.round((sentAt + receivedAt) / 2 - (edgeSecond + 500));
    // The estimate is only as good as the round trip and the header's second; never call that skew.
    const slack = 1_000 + (receivedAt - sentAt);
    this.skewMs = skew;
    this.checkedAt = receivedAt;
    const ahead = skew > this.toleranceMs + slack;
    if (ahead && !this.ahead) {
      this.log.warn(
        { skewMs: skew, toleranceMs: this.toleranceMs },
        "local clock is ahead of the edge's beyond the tolerance: write times follow the edge's clock; fix this machine's time (NTP)",
      );
    } else if (!ahead && this.ahead) {
      this.log.info({ skewMs: skew }, "local clock back within tolerance of the edge's");
    }
    this.ahead = ahead;
  }

  /** Local time, or the edge's estimated time while the local clock runs too far ahead. */
  now(): number {
    const local = this.clock.now();
    return this.ahead && this.skewMs !== null ? local - this.skewMs : local;
  }

  view(): ClockSkewView {
    return {
      skewMs: this.skewMs,
      ahead: this.ahead,
      toleranceMs: this.toleranceMs,
      checkedAt: this.checkedAt,
    };
  }
}

/**
 * The `updatedAt` of a write replacing `previous`: after it (so the conflict rule sees causality),
 * except when `previous` lies further ahead of `now` than `maxAheadMs` — it came from a clock that
 * ran ahead or a hostile device, and following it would pin the profile in the future — and never
 * above what the wire accepts.
 */
export function nextUpdatedAt(now: number, previous: number | undefined, maxAheadMs: number): number {
  const after = (previous ?? 0) + 1;
  const next = after - now > maxAheadMs ? now : Math.max(now, after);
  return Math.min(next, MAX_WIRE_UPDATED_AT);
}
