// Small runtime-agnostic measures: a moving average for pool load and a quantile window for latency.

/** Mean of the last `size` samples (pool load uses 100). */
export class MovingAverage {
  private readonly samples: Float64Array;
  private count = 0;
  private next = 0;
  private sum = 0;

  constructor(readonly size = 100) {
    this.samples = new Float64Array(size);
  }

  add(value: number): void {
    if (this.count === this.size) this.sum -= this.samples[this.next] ?? 0;
    else this.count += 1;
    this.samples[this.next] = value;
    this.sum += value;
    this.next = (this.next + 1) % this.size;
  }

  get value(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }
}

/** Keeps the last `size` observations and answers quantiles over them (p50, p99). */
export class LatencyWindow {
  private readonly samples: number[] = [];
  private next = 0;

  constructor(readonly size = 1024) {}

  observe(value: number): void {
    if (this.samples.length < this.size) this.samples.push(value);
    else this.samples[this.next] = value;
    this.next = (this.next + 1) % this.size;
  }

  quantile(q: number): number {
    if (this.samples.length === 0) return 0;
    const sorted = [...this.samples].sort((a, b) => a - b);
    const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
    return sorted[index] ?? 0;
  }

  get count(): number {
    return this.samples.length;
  }
}
