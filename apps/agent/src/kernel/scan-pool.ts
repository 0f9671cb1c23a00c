// Worker threads that scan disjoint row ranges of the shared compact copy, so a large scan uses every core.
import { Worker } from 'node:worker_threads';
import { MAX_CANDIDATES, MAX_LANES, writeQuery } from './quantised.ts';
import type { Candidates, QuantisedRows } from './quantised-rows.ts';
import { compileQuantisedKernel } from './quantised.ts';

// Control words per lane (Int32, 8 per lane): the hand-shake and the job's arguments.
const JOB = 0; // sequence number the host bumps to start a job; -1 tells the worker to exit
const DONE = 1; // sequence number the worker sets when its results are written
const OP = 2; // 0: top-k candidates, 1: rows above a threshold
const FIRST = 3;
const COUNT = 4;
const K = 5;
const FOUND = 6;
const THRESHOLD = 7; // f32 bits

// Plain JS run with eval, so workers need no TypeScript loader. The loop blocks in Atomics.wait,
// which is what a worker is for; the host thread only ever waits asynchronously.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, layout, lane } = workerData;
const wasm = new WebAssembly.Instance(module, { env: { memory } }).exports;
const ctrl = new Int32Array(memory.buffer, layout.control + lane * 32, 8);
const floats = new Float32Array(memory.buffer, layout.control + lane * 32, 8);
const at = layout.lanes[lane];
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, ${JOB}, seen);
  seen = Atomics.load(ctrl, ${JOB});
  if (seen < 0) break;
  const first = ctrl[${FIRST}], count = ctrl[${COUNT}];
  ctrl[${FOUND}] = ctrl[${OP}] === 0
    ? (layout.format === 'int8'
        ? wasm.topKI8(layout.codes, layout.stride, first, count, layout.paddedDim, at.query, ctrl[${K}], at.indices, at.scores)
        : wasm.topKF16(layout.codes, first, count, layout.paddedDim, at.query, ctrl[${K}], at.indices, at.scores))
    : wasm.aboveI8(layout.codes, layout.stride, first, count, layout.paddedDim, at.query, floats[${THRESHOLD}], ctrl[${K}], at.above);
  Atomics.store(ctrl, ${DONE}, seen);
  Atomics.notify(ctrl, ${DONE});
}
`;

interface WaitAsync {
  waitAsync(
    view: Int32Array,
    index: number,
    value: number,
  ): { async: boolean; value: Promise<string> | string };
}
const atomics = Atomics as unknown as WaitAsync;

/**
 * One worker per lane 1..threads; scans run one at a time (a second waits for the first), each split
 * into equal row ranges. The host thread stays free while they run.
 *
 * @example
 * const pool = new ScanPool(compact, 2);
 * const { indices, scores } = await pool.candidates(unit, 32);
 * pool.close();
 */
export class ScanPool {
  readonly threads: number;
  readonly #rows: QuantisedRows;
  readonly #workers: Worker[] = [];
  readonly #control: Int32Array[] = [];
  #tail: Promise<unknown> = Promise.resolve();
  #seq = 0;

  constructor(rows: QuantisedRows, threads: number) {
    if (!(Number.isInteger(threads) && threads >= 1 && threads < MAX_LANES)) {
      throw new RangeError(`threads must be an integer in [1, ${MAX_LANES - 1}], got ${threads}`);
    }
    this.threads = threads;
    this.#rows = rows;
    const { memory, layout } = rows;
    for (let lane = 1; lane <= threads; lane++) {
      const workerData = { module: compileQuantisedKernel(), memory, layout, lane };
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
      worker.unref();
      this.#workers.push(worker);
      this.#control.push(new Int32Array(memory.buffer, layout.control + lane * 32, 8));
    }
  }

  /** The best `count` rows by approximate score over all rows, merged from every worker's range. */
  candidates(unit: Float32Array, count: number): Promise<Candidates> {
    const k = Math.min(count, MAX_CANDIDATES);
    return this.#serial(async () => {
      const queryScale = await this.#run(unit, 0, k, 0);
      const { memory, layout } = this.#rows;
      const merged: Array<{ row: number; score: number }> = [];
      this.#control.forEach((ctrl, i) => {
        const lane = layout.lanes[i + 1]!;
        const found = ctrl[FOUND]!;
        const rows = new Int32Array(memory.buffer, lane.indices, found);
        const scores = new Float32Array(memory.buffer, lane.scores, found);
        for (let j = 0; j < found; j++) merged.push({ row: rows[j]!, score: scores[j]! * queryScale });
      });
      merged.sort((a, b) => b.score - a.score || a.row - b.row);
      const best = merged.slice(0, k);
      return {
        indices: Int32Array.from(best, (c) => c.row),
        scores: Float32Array.from(best, (c) => c.score),
      };
    });
  }

  /** Every row whose approximate score is >= threshold, ascending; undefined past `cap` or for f16. */
  above(unit: Float32Array, threshold: number, cap: number): Promise<Int32Array | undefined> {
    if (this.#rows.layout.format !== 'int8') return Promise.resolve(undefined);
    return this.#serial(async () => {
      const queryScale = writeQuery(this.#rows.memory, this.#rows.layout, this.#rows.layout.lanes[1]!, unit);
      await this.#run(unit, 1, cap, threshold / queryScale);
      const { memory, layout } = this.#rows;
      const parts: Int32Array[] = [];
      for (const [i, ctrl] of this.#control.entries()) {
        const found = ctrl[FOUND]!;
        if (found > cap) return undefined;
        parts.push(new Int32Array(memory.buffer, layout.lanes[i + 1]!.above, found).slice());
      }
      const all = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const part of parts) {
        all.set(part, at);
        at += part.length;
      }
      return all;
    });
  }

  /** Stops the workers; later scans reject. */
  close(): void {
    for (const ctrl of this.#control) {
      Atomics.store(ctrl, JOB, -1);
      Atomics.notify(ctrl, JOB);
    }
    this.#control.length = 0;
    for (const worker of this.#workers) void worker.terminate();
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(task, task);
    this.#tail = run.catch(() => undefined);
    return run;
  }

  // Splits rows into equal ranges, starts every worker, and resolves when all are done.
  async #run(unit: Float32Array, op: number, k: number, threshold: number): Promise<number> {
    if (this.#control.length === 0) throw new Error('scan pool is closed');
    const { memory, layout, rows } = this.#rows;
    const per = Math.ceil(rows / this.threads);
    const seq = ++this.#seq;
    let queryScale = 1;
    const waits = this.#control.map((ctrl, i) => {
      queryScale = writeQuery(memory, layout, layout.lanes[i + 1]!, unit);
      const first = Math.min(rows, i * per);
      ctrl[OP] = op;
      ctrl[FIRST] = first;
      ctrl[COUNT] = Math.min(rows, first + per) - first;
      ctrl[K] = k;
      new Float32Array(ctrl.buffer, ctrl.byteOffset, 8)[THRESHOLD] = threshold;
      Atomics.store(ctrl, JOB, seq);
      Atomics.notify(ctrl, JOB);
      const wait = atomics.waitAsync(ctrl, DONE, seq - 1);
      return wait.async ? wait.value : Promise.resolve(wait.value);
    });
    // A pending Atomics.waitAsync does not keep Node's event loop alive; the referenced workers do.
    for (const worker of this.#workers) worker.ref();
    try {
      await Promise.all(waits);
    } finally {
      for (const worker of this.#workers) worker.unref();
    }
    return queryScale;
  }
}
