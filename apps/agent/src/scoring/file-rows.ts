// The exact f32 rows of a large index kept in an unlinked file: the page cache holds them, not the process.
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScoringBackend, TopK } from './backend.ts';
import type { ExactRows } from './exact-rows.ts';
import type { RowMatrix } from './row-matrix.ts';

// Appends gather here and reach the file together: a preload of a million rows is ~250 writes, not 1M.
const APPEND_ROWS = 4096;
// The exact scan (a rare fallback) reads and scores this many rows at a time.
const SCAN_ROWS = 8192;

const bytesOf = (values: Float32Array): Uint8Array =>
  new Uint8Array(values.buffer, values.byteOffset, values.byteLength);

// An index dropped without close() still gives its descriptors back.
const descriptors = new FinalizationRegistry<number[]>((fds) => {
  for (const fd of fds) closeSync(fd);
});

/**
 * Rows [0, rows) already in another file (a snapshot's f32 section), read until overwritten; or, as a
 * list, consecutive row ranges in several files (the parallel preload's readers wrote one each).
 */
export interface BaseRows {
  /** Owned from now on: closed with the FileRows. */
  readonly fd: number;
  readonly offset: number;
  readonly rows: number;
}

/**
 * Rows [0, rows) of `dim` floats. The file is unlinked as soon as it is open, so it is private to this
 * process and disappears with it (a crash leaves nothing behind, and nothing stale to read at the next
 * start: the index is rebuilt from libSQL). Reads are positioned reads of single rows (a re-rank
 * needs a few dozen); each row is scored in a one-row matrix of the backend, with the same kernel
 * code as a scan, so scores are bit-identical to the in-memory path.
 */
export class FileRows implements ExactRows {
  readonly bytesPerRow = 0;
  readonly #fd: number;
  readonly #dim: number;
  readonly #rowBytes: number;
  readonly #backend: ScoringBackend;
  readonly #one: RowMatrix;
  readonly #buffer: Float32Array;
  readonly #pending: Float32Array;
  #rows = 0;
  // Rows [0, flushed) are in the file; rows [flushed, rows) still in `pending`.
  #flushed = 0;
  #closed = false;
  readonly #base: readonly BaseRows[];
  readonly #baseRows: number;
  // Per base row: 1 once written here (then the base copy is stale for this index).
  readonly #dirty: Uint8Array;

  /**
   * With `base`, the index starts with its rows and never copies them: a restore from a snapshot
   * costs no write of the f32 rows. Writes go to the private file, as always.
   */
  constructor(backend: ScoringBackend, dim: number, dir = tmpdir(), base?: BaseRows | readonly BaseRows[]) {
    const path = join(dir, `voicesync-rows-${process.pid}-${randomUUID()}.f32`);
    this.#fd = openSync(path, 'wx+', 0o600);
    unlinkSync(path);
    this.#base = base === undefined ? [] : 'fd' in base ? [base] : base;
    this.#baseRows = this.#base.reduce((n, segment) => n + segment.rows, 0);
    descriptors.register(this, [this.#fd, ...this.#base.map((segment) => segment.fd)], this);
    this.#dirty = new Uint8Array(this.#baseRows);
    this.#rows = this.#baseRows;
    this.#flushed = this.#rows;
    this.#dim = dim;
    this.#rowBytes = dim * 4;
    this.#backend = backend;
    this.#one = backend.createMatrix(dim);
    this.#buffer = new Float32Array(dim);
    this.#one.set(0, this.#buffer);
    this.#pending = new Float32Array(APPEND_ROWS * dim);
  }

  get rows(): number {
    return this.#rows;
  }

  set(row: number, unit: Float32Array): void {
    if (!(row >= 0 && row <= this.#rows) || unit.length !== this.#dim) {
      throw new RangeError(`cannot write ${unit.length} floats at row ${row} of ${this.#rows}`);
    }
    if (row === this.#rows) {
      if (row - this.#flushed === APPEND_ROWS) this.#flush();
      this.#rows++;
    }
    if (row < this.#dirty.length) this.#dirty[row] = 1;
    if (row >= this.#flushed) this.#pending.set(unit, (row - this.#flushed) * this.#dim);
    else this.#write(bytesOf(unit), row * this.#rowBytes);
  }

  swapRemove(hole: number): void {
    const last = this.#rows - 1;
    if (hole !== last) this.set(hole, this.#read(last, this.#buffer));
    this.#rows = last;
    this.#flushed = Math.min(this.#flushed, last);
  }

  copy(row: number): Float32Array {
    return this.#read(row, new Float32Array(this.#dim));
  }

  readRows(first: number, out: Float32Array): void {
    const count = out.length / this.#dim;
    if (!(first >= 0 && first + count <= this.#rows)) {
      throw new RangeError(`rows [${first}, ${first + count}) are outside [0, ${this.#rows})`);
    }
    this.#flush();
    this.#readRange(first, count, bytesOf(out));
  }

  appendRows(rows: Float32Array): void {
    if (rows.length % this.#dim !== 0) throw new RangeError(`${rows.length} floats are not whole rows`);
    // Straight to the file in one write: no per-row copy through the pending buffer.
    this.#flush();
    const count = rows.length / this.#dim;
    this.#write(bytesOf(rows), this.#rows * this.#rowBytes);
    this.#dirty.fill(1, this.#rows, this.#rows + count);
    this.#rows += count;
    this.#flushed = this.#rows;
  }

  score(row: number, unit: Float32Array): number {
    this.#one.set(0, this.#read(row, this.#buffer));
    return this.#backend.dot(this.#one, 0, unit);
  }

  topK(unit: Float32Array, k: number): TopK {
    this.#flush();
    const found: Array<{ row: number; score: number }> = [];
    const chunk = new Float32Array(SCAN_ROWS * this.#dim);
    for (let first = 0; first < this.#rows; first += SCAN_ROWS) {
      const count = Math.min(SCAN_ROWS, this.#rows - first);
      this.#readRange(first, count, bytesOf(chunk).subarray(0, count * this.#rowBytes));
      const matrix = this.#backend.createMatrix(this.#dim);
      for (let r = 0; r < count; r++) matrix.set(r, chunk.subarray(r * this.#dim, (r + 1) * this.#dim));
      const top = this.#backend.topK(matrix, unit, k);
      for (const [i, r] of top.indices.entries()) found.push({ row: first + r, score: top.scores[i]! });
    }
    found.sort((a, b) => b.score - a.score || a.row - b.row);
    const best = found.slice(0, k);
    return { indices: Int32Array.from(best, (f) => f.row), scores: Float32Array.from(best, (f) => f.score) };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    descriptors.unregister(this);
    closeSync(this.#fd);
    for (const segment of this.#base) closeSync(segment.fd);
  }

  #read(row: number, out: Float32Array): Float32Array {
    if (!(row >= 0 && row < this.#rows)) throw new RangeError(`row ${row} is outside [0, ${this.#rows})`);
    if (row >= this.#flushed) {
      const at = (row - this.#flushed) * this.#dim;
      out.set(this.#pending.subarray(at, at + this.#dim));
    } else {
      this.#readRange(row, 1, bytesOf(out));
    }
    return out;
  }

  // Flushed rows [first, first + count): clean base rows from the base file(s), the rest from this one.
  #readRange(first: number, count: number, bytes: Uint8Array): void {
    const end = first + count;
    const baseEnd = Math.min(end, this.#baseRows);
    let segmentFirst = 0;
    for (const segment of this.#base) {
      const from = Math.max(first, segmentFirst);
      const to = Math.min(baseEnd, segmentFirst + segment.rows);
      if (from < to) {
        const at = (from - first) * this.#rowBytes;
        const position = segment.offset + (from - segmentFirst) * this.#rowBytes;
        this.#readFrom(segment.fd, bytes.subarray(at, at + (to - from) * this.#rowBytes), position);
      }
      segmentFirst += segment.rows;
    }
    for (let row = first; row < baseEnd; row++) {
      if (this.#dirty[row] === 0) continue;
      const at = (row - first) * this.#rowBytes;
      this.#readFrom(this.#fd, bytes.subarray(at, at + this.#rowBytes), row * this.#rowBytes);
    }
    const from = Math.max(first, baseEnd);
    if (from < end) {
      const at = (from - first) * this.#rowBytes;
      this.#readFrom(this.#fd, bytes.subarray(at, count * this.#rowBytes), from * this.#rowBytes);
    }
  }

  #flush(): void {
    const count = this.#rows - this.#flushed;
    if (count === 0) return;
    this.#write(bytesOf(this.#pending).subarray(0, count * this.#rowBytes), this.#flushed * this.#rowBytes);
    this.#flushed = this.#rows;
  }

  #write(bytes: Uint8Array, position: number): void {
    for (let done = 0; done < bytes.length; ) {
      done += writeSync(this.#fd, bytes, done, bytes.length - done, position + done);
    }
  }

  #readFrom(fd: number, bytes: Uint8Array, position: number): void {
    for (let done = 0; done < bytes.length; ) {
      const read = readSync(fd, bytes, done, bytes.length - done, position + done);
      if (read === 0) throw new RangeError(`row file ended at byte ${position + done}`);
      done += read;
    }
  }
}
