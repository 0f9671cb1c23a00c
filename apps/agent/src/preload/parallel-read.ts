// Reads every live profile with worker threads over disjoint rowid ranges, each in one read
// transaction; the host only gathers their parts. Used when the table is large enough to pay for it.
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { quantisedLayout } from '../kernel/quantised.ts';
import type { SpeakerTableParts } from '../scoring/index.ts';
import { CONTROL, GO, READER_SOURCE, type ReaderData, type ReaderMessage } from './read-worker.ts';

/** At most this many readers: two measured 2.4× one on this 2-core machine, a third added nothing. */
const MAX_READERS = 4;
// f32 rows each reader writes at a time (3 MiB at 192 dimensions); progress is told after each.
const CHUNK_ROWS = 4096;

/** The rows of libSQL at one generation, as the index and the snapshot keep them. */
export interface ParallelRead {
  readonly rows: number;
  readonly readers: number;
  readonly generation: number;
  readonly speakers: SpeakerTableParts;
  /** Each reader's compact rows, in row order (concatenated, they are the index's code bytes). */
  readonly codes: readonly Uint8Array[];
  readonly maxScale: number;
  readonly maxResidual: number;
}

export interface ParallelReadOptions {
  readonly path: string;
  readonly dim: number;
  /** Smallest and largest rowid of the table now; the readers split [min, max] evenly. */
  readonly minRowid: number;
  readonly maxRowid: number;
  /** The unit f32 rows go to this file from `offset` on, in row order. */
  readonly fd: number;
  readonly offset: number;
  /** Fewer live rows than this: stop and let the caller read page by page. */
  readonly minRows: number;
  readonly onProgress?: (loaded: number, total: number) => void;
}

type Done = Extract<ReaderMessage, { kind: 'done' }>;

/** The rows read, or why not (the caller then reads page by page, which also reports bad rows). */
export async function readParallel(o: ParallelReadOptions): Promise<ParallelRead | { fallback: string }> {
  const readers = Math.max(2, Math.min(MAX_READERS, availableParallelism()));
  const { paddedDim, stride } = quantisedLayout('int8', o.dim, 0);
  const control = new SharedArrayBuffer(4 * (1 + readers));
  const words = new Int32Array(control);
  const span = Math.ceil((o.maxRowid - o.minRowid + 1) / readers);
  // The first and last ranges are open, so every rowid belongs to exactly one reader.
  const bound = (lane: number) => o.minRowid + lane * span;
  const rangeOf = (lane: number) =>
    [lane > 0 ? `rowid >= ${bound(lane)}` : '', lane < readers - 1 ? `rowid < ${bound(lane + 1)}` : '']
      .filter(Boolean)
      .join(' AND ') || '1';
  const libsql = createRequire(import.meta.url).resolve('libsql');
  const counted: Array<{ generation: number; count: number } | undefined> = [];
  const done: Array<Done | undefined> = [];
  let loaded = 0;
  let total = 0;
  const workers: Worker[] = [];
  return await new Promise<ParallelRead | { fallback: string }>((resolve) => {
    let settled = false;
    const finish = (outcome: ParallelRead | { fallback: string }) => {
      if (settled) return;
      settled = true;
      if ('fallback' in outcome) {
        Atomics.store(words, CONTROL.go, GO.stop);
        Atomics.notify(words, CONTROL.go);
        for (const worker of workers) void worker.terminate();
      }
      resolve(outcome);
    };
    const onCounted = () => {
      const generations = new Set(counted.map((c) => c!.generation));
      // Equal generations: no profile write committed between the readers' snapshots (every write draws
      // a new random value in its own transaction), so together they read one state of the table.
      if (generations.size !== 1) return finish({ fallback: 'the readers saw different generations' });
      total = counted.reduce((sum, c) => sum + c!.count, 0);
      if (total < o.minRows) return finish({ fallback: `${total} rows, below ${o.minRows}` });
      for (let lane = 0, first = 0; lane < readers; first += counted[lane]!.count, lane++) {
        words[CONTROL.start + lane] = first;
      }
      Atomics.store(words, CONTROL.go, GO.read);
      Atomics.notify(words, CONTROL.go);
    };
    const onDone = () => {
      const parts = done as Done[];
      const join = <T extends Uint16Array | Uint32Array | Uint8Array>(
        pick: (d: Done) => T,
        make: (n: number) => T,
      ) => {
        const out = make(parts.reduce((n, d) => n + pick(d).length, 0));
        let at = 0;
        for (const d of parts) {
          out.set(pick(d), at);
          at += pick(d).length;
        }
        return out;
      };
      o.onProgress?.(total, total);
      finish({
        rows: total,
        readers,
        generation: counted[0]!.generation,
        speakers: {
          idLength: join(
            (d) => d.idLength,
            (n) => new Uint16Array(n),
          ),
          nameLength: join(
            (d) => d.nameLength,
            (n) => new Uint16Array(n),
          ),
          hash: join(
            (d) => d.hash,
            (n) => new Uint32Array(n),
          ),
          samples: join(
            (d) => d.samples,
            (n) => new Uint32Array(n),
          ),
          arena: join(
            (d) => d.arena,
            (n) => new Uint8Array(n),
          ),
        },
        codes: parts.map((d) => d.codes),
        maxScale: Math.max(...parts.map((d) => d.maxScale)),
        maxResidual: Math.max(...parts.map((d) => d.maxResidual)),
      });
    };
    for (let lane = 0; lane < readers; lane++) {
      const workerData: ReaderData = {
        libsql,
        path: o.path,
        range: rangeOf(lane),
        lane,
        dim: o.dim,
        paddedDim,
        stride,
        fd: o.fd,
        offset: o.offset,
        chunkRows: CHUNK_ROWS,
        control,
      };
      const worker = new Worker(READER_SOURCE, { eval: true, workerData });
      workers.push(worker);
      worker.on('message', (m: ReaderMessage) => {
        if (m.kind === 'counted') {
          counted[lane] = m;
          if (counted.filter(Boolean).length === readers) onCounted();
        } else if (m.kind === 'progress') {
          loaded += m.rows;
          if (loaded < total) o.onProgress?.(loaded, total);
        } else if (m.kind === 'done') {
          done[lane] = m;
          if (done.filter(Boolean).length === readers) onDone();
        } else {
          finish({ fallback: `a reader stopped: ${m.reason}` });
        }
      });
      worker.on('error', (error) => finish({ fallback: `a reader failed: ${String(error)}` }));
      worker.on('exit', () => {
        if (!done[lane]) finish({ fallback: 'a reader exited early' });
      });
    }
  });
}
