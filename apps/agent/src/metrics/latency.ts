// Latency kept two ways: a cumulative Prometheus histogram and the samples of the current snapshot interval.
import { Histogram, type Registry } from 'prom-client';

/** Quantiles in milliseconds over one snapshot interval; null when nothing was observed in it. */
export interface LatencySummary {
  p50: number | null;
  p99: number | null;
  count: number;
}

/** Buckets (seconds) for in-memory work: verification, identification, cache hits, libSQL reads. */
export const LOCAL_BUCKETS = [
  0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
];

/** Buckets (seconds) for network round trips to the edge. */
export const NETWORK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

function nearestRank(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? null;
}

/**
 * Samples since the last snapshot. Past `cap` the oldest are overwritten, so a burst of
 * verifications costs bounded memory and the quantiles describe the most recent ones.
 */
export class IntervalSamples {
  private samples: number[] = [];
  private next = 0;
  private seen = 0;

  constructor(private readonly cap = 4096) {}

  add(ms: number): void {
    this.seen += 1;
    if (this.samples.length < this.cap) this.samples.push(ms);
    else this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.cap;
  }

  /** The interval's summary; starts the next interval. */
  drain(): LatencySummary {
    const sorted = this.samples.sort((a, b) => a - b);
    const summary = { p50: nearestRank(sorted, 0.5), p99: nearestRank(sorted, 0.99), count: this.seen };
    this.samples = [];
    this.next = 0;
    this.seen = 0;
    return summary;
  }
}

/** One measured operation: observe in seconds (Prometheus' unit), summarise in ms (the JSON's unit). */
export class LatencyTrack<Label extends string = never> {
  private readonly histogram: Histogram<Label>;
  private readonly interval = new IntervalSamples();

  constructor(
    registry: Registry,
    config: { name: string; help: string; buckets: number[]; labelNames?: Label[] },
  ) {
    this.histogram = new Histogram<Label>({
      ...config,
      labelNames: config.labelNames ?? [],
      registers: [registry],
    });
  }

  observe(seconds: number, labels?: Partial<Record<Label, string>>): void {
    if (!Number.isFinite(seconds) || seconds < 0) return;
    if (labels) this.histogram.observe(labels, seconds);
    else this.histogram.observe(seconds);
    this.interval.add(seconds * 1000);
  }

  /** Makes a labelled series visible (with zero counts) before its first observation. */
  zero(labels: Partial<Record<Label, string>>): void {
    this.histogram.zero(labels);
  }

  drain(): LatencySummary {
    return this.interval.drain();
  }
}
