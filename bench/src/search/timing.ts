// Latency sampling for the search benchmark: warm up, then time single calls with process.hrtime.bigint.

export interface Latency {
  /** Microseconds. */
  readonly p50: number;
  readonly p99: number;
  readonly samples: number;
}

/** Something to time; `run(i)` is one query, i cycling through the caller's queries. */
export interface Timed {
  readonly run: (i: number) => unknown;
  readonly samples: number[];
}

export const timed = (run: (i: number) => unknown): Timed => ({ run, samples: [] });

export interface SampleBudget {
  /** Warm-up per entry before its first timed call. */
  readonly warmSeconds: number;
  /** Entries are timed round-robin in short slices, so a burst of load elsewhere hits them all alike. */
  readonly rounds: number;
  readonly sliceSeconds: number;
  readonly minPerSlice: number;
  readonly maxPerSlice: number;
}

// 12 slices of 25 ms spread each entry's samples over its whole N's timing window.
export const DEFAULT_BUDGET: SampleBudget = {
  warmSeconds: 0.05,
  rounds: 12,
  sliceSeconds: 0.025,
  minPerSlice: 1,
  maxPerSlice: 400,
};

const nanos = (seconds: number): bigint => BigInt(Math.round(seconds * 1e9));

// The warm-up lets V8 tier the code up and the caches fill before anything counts.
function warm(entry: Timed, budget: SampleBudget): void {
  const end = process.hrtime.bigint() + nanos(budget.warmSeconds);
  let i = 0;
  do entry.run(i++);
  while (process.hrtime.bigint() < end && i < budget.maxPerSlice);
}

function slice(entry: Timed, budget: SampleBudget): void {
  const end = process.hrtime.bigint() + nanos(budget.sliceSeconds);
  for (let taken = 0; taken < budget.maxPerSlice; taken++) {
    if (taken >= budget.minPerSlice && process.hrtime.bigint() >= end) break;
    const start = process.hrtime.bigint();
    entry.run(entry.samples.length);
    entry.samples.push(Number(process.hrtime.bigint() - start) / 1000);
  }
}

/** Times every entry, round-robin in slices, appending microsecond samples to each. */
export function sampleAll(entries: readonly Timed[], budget: SampleBudget = DEFAULT_BUDGET): void {
  for (const entry of entries) warm(entry, budget);
  for (let round = 0; round < budget.rounds; round++) {
    for (const entry of entries) slice(entry, budget);
  }
}

export function summarize(samples: readonly number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99), samples: sorted.length };
}

/** Microseconds as a short human string: 18.2 µs, 2.27 ms. */
export function formatMicros(us: number): string {
  if (!Number.isFinite(us)) return '–';
  if (us < 1000) return `${us < 100 ? us.toFixed(1) : us.toFixed(0)} µs`;
  return `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`;
}

/** An async entry (a search answered on worker threads), timed call by call like `sampleAll`. */
export async function sampleAsync(
  run: (i: number) => Promise<unknown>,
  samples: number[],
  budget: SampleBudget = DEFAULT_BUDGET,
): Promise<void> {
  for (let i = 0; i < 8; i++) await run(i);
  for (let round = 0; round < budget.rounds; round++) {
    const end = process.hrtime.bigint() + nanos(budget.sliceSeconds);
    for (let taken = 0; taken < budget.maxPerSlice; taken++) {
      if (taken >= budget.minPerSlice && process.hrtime.bigint() >= end) break;
      const start = process.hrtime.bigint();
      await run(samples.length);
      samples.push(Number(process.hrtime.bigint() - start) / 1000);
    }
  }
}
