// Reads every live profile with worker threads over disjoint rowid ranges, each in one read
// transaction; the host only gathers their parts. Used when the table is large enough to pay for it.
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, unlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { compileQuantisedKernel, encodeScratchBytes, ensureBytes } from '../kernel/quantised.ts';
import { QuantisedRows } from '../kernel/quantised-rows.ts';
import type { SpeakerTableParts } from '../scoring/index.ts';
import type { BaseRows } from '../scoring/file-rows.ts';
import { READER_SOURCE, type ReaderData, type ReaderMessage } from './read-worker.ts';

/** At most this many readers: two measured 2.4× one on this 2-core machine, a third added nothing. */
const MAX_READERS = 4;
/** Profiles per query row (3 MiB of embeddings at 192 dimensions); progress is told after each. */
const BATCH = 4096;
/** Rows per call of the kernel's encoding: 768 KiB of f32 rows at 192 dimensions, per reader. */
const CHUNK = 1024;
/** Above this rowid span (sparse rowids) the compact memory for it would be too large: read page by page. */
const MAX_SPAN = 16_000_000;

/** The rows of libSQL at one generation, as the index and the snapshot keep them. */
export interface ParallelRead {
  readonly rows: number;
  readonly readers: number;
  readonly generation: number;
  readonly speakers: SpeakerTableParts;
  /** The compact rows, in place in this memory once `place` ran (`restore` runs it). */
  readonly compact: QuantisedRows;
  readonly place: (into: Uint8Array) => void;
  readonly maxScale: number;
  readonly maxResidual: number;
  /** Each reader's unit f32 rows, in row order, in a private unlinked file it wrote (owned by the caller). */
  readonly f32: readonly BaseRows[];
}

export interface ParallelReadOptions {
  readonly path: string;
  readonly dim: number;
  /** Smallest and largest rowid of the table now; the readers split [min, max] evenly. */
  readonly minRowid: number;
  readonly maxRowid: number;
  /** Where the readers' f32 files go (created 0600 and unlinked at once). */
  readonly dir: string;
  /** Fewer live rows than this: the caller reads page by page instead. */
  readonly minRows: number;
  /** `total` is the rowid span until the last call, which gives the live count. */
  readonly onProgress?: (loaded: number, total: number) => void;
}

type Done = Extract<ReaderMessage, { kind: 'done' }>;

/** The rows read, or why not (the caller then reads page by page, which also reports bad rows). */
export async function readParallel(o: ParallelReadOptions): Promise<ParallelRead | { fallback: string }> {
  const readers = Math.max(2, Math.min(MAX_READERS, availableParallelism()));
  const span = Math.ceil((o.maxRowid - o.minRowid + 1) / readers);
  if (span * readers > MAX_SPAN) return { fallback: `rowid span ${span * readers} above ${MAX_SPAN}` };
  // Each reader encodes its rows straight into the index's shared memory, from row lane × span on
  // (the memory is reserved for the whole span, pages are committed as rows land); `place` then
  // closes the gaps that deleted rowids left.
  const compact = new QuantisedRows(o.dim, 'int8');
  compact.restore(span * readers, () => {}, 0, 0);
  const { paddedDim, stride, codes: codesAt } = compact.layout;
  // Each reader's scratch area for the encoding lies past the rows' span; the index's later rows reuse it.
  const scratchBytes = Math.ceil(encodeScratchBytes(CHUNK, o.dim) / 64) * 64;
  const scratchAt = Math.ceil((codesAt + span * readers * stride) / 64) * 64;
  ensureBytes(compact.memory, scratchAt + readers * scratchBytes);
  const libsql = createRequire(import.meta.url).resolve('libsql');
  const privateFile = () => {
    const file = join(o.dir, `voicesync-preload-${process.pid}-${randomUUID()}`);
    const fd = openSync(file, 'wx+', 0o600);
    unlinkSync(file);
    return fd;
  };
  const fds = Array.from({ length: readers }, privateFile);
  const done: Array<Done | undefined> = [];
  let loaded = 0;
  const workers: Worker[] = [];
  const outcome = await new Promise<ParallelRead | { fallback: string }>((resolve) => {
    let settled = false;
    const finish = (result: ParallelRead | { fallback: string }) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const onDone = () => {
      const parts = done as Done[];
      // Equal generations: no profile write committed between the readers' snapshots (every write draws
      // a new random value in its own transaction), so together they read one state of the table.
      if (new Set(parts.map((d) => d.generation)).size !== 1)
        return finish({ fallback: 'the readers saw different generations' });
      const rows = parts.reduce((n, d) => n + d.rows, 0);
      if (rows < o.minRows) return finish({ fallback: `${rows} rows, below ${o.minRows}` });
      const join = <T extends Uint16Array | Uint32Array>(
        pick: (d: Done) => T,
        Make: new (n: number) => T,
      ) => {
        const out = new Make(rows);
        let at = 0;
        for (const d of parts) {
          out.set(pick(d).subarray(0, d.rows), at);
          at += d.rows;
        }
        return out;
      };
      const arena = new Uint8Array(parts.reduce((n, d) => n + d.arena.length, 0));
      parts.reduce((at, d) => {
        arena.set(d.arena, at);
        return at + d.arena.length;
      }, 0);
      o.onProgress?.(rows, rows);
      finish({
        rows,
        readers,
        generation: parts[0]!.generation,
        speakers: {
          idLength: join((d) => d.idLength, Uint16Array),
          nameLength: join((d) => d.nameLength, Uint16Array),
          hash: join((d) => d.hash, Uint32Array),
          samples: join((d) => d.samples, Uint32Array),
          arena,
        },
        compact,
        place: () => {
          const memory = new Uint8Array(compact.memory.buffer);
          let row = 0;
          for (const [lane, d] of parts.entries()) {
            const from = codesAt + lane * span * stride;
            if (row !== lane * span) memory.copyWithin(codesAt + row * stride, from, from + d.rows * stride);
            row += d.rows;
          }
        },
        maxScale: Math.max(...parts.map((d) => d.maxScale)),
        maxResidual: Math.max(...parts.map((d) => d.maxResidual)),
        f32: parts.map((d, lane) => ({ fd: fds[lane]!, offset: 0, rows: d.rows })),
      });
    };
    for (let lane = 0; lane < readers; lane++) {
      // The first and last ranges are open (±1e19 is beyond any 64-bit rowid), so every rowid, also
      // one written after MIN/MAX were read, belongs to exactly one reader.
      const workerData: ReaderData = {
        libsql,
        path: o.path,
        after: lane === 0 ? -1e19 : o.minRowid + lane * span - 1,
        before: lane === readers - 1 ? 1e19 : o.minRowid + (lane + 1) * span,
        dim: o.dim,
        paddedDim,
        stride,
        fd: fds[lane]!,
        memory: compact.memory,
        codesAt: codesAt + lane * span * stride,
        capacity: span,
        batch: BATCH,
        module: compileQuantisedKernel(),
        scratch: scratchAt + lane * scratchBytes,
        chunk: CHUNK,
      };
      const worker = new Worker(READER_SOURCE, { eval: true, workerData });
      workers.push(worker);
      worker.on('message', (m: ReaderMessage) => {
        if (m.kind === 'progress') {
          loaded += m.rows;
          o.onProgress?.(loaded, Math.max(loaded, o.maxRowid - o.minRowid + 1));
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
  if ('fallback' in outcome) {
    // Every reader has stopped before its files are closed: a reader still writing to a descriptor
    // number that a later open reused would write into that other file.
    await Promise.all(workers.map((worker) => worker.terminate()));
    for (const fd of fds) closeSync(fd);
  }
  return outcome;
}
