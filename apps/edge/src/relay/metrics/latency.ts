// A latency measure: quantiles over a recent window plus an all-time count and sum (for Prometheus).
import { LatencyWindow } from '@voicesync/core';

export interface LatencySummary {
  p50: number;
  p99: number;
  count: number;
  sumMs: number;
}

export class Latency {
  private readonly window = new LatencyWindow(1024);
  private count = 0;
  private sumMs = 0;

  observe(ms: number): void {
    this.window.observe(ms);
    this.count += 1;
    this.sumMs += ms;
  }

  summary(): LatencySummary {
    return {
      p50: this.window.quantile(0.5),
      p99: this.window.quantile(0.99),
      count: this.count,
      sumMs: this.sumMs,
    };
  }
}
