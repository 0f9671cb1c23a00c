// The compact copy of the unit rows (int8 + scale, or f16) in shared memory, kept in step row by row.
import {
  ABOVE_CAP,
  aboveLane,
  compileQuantisedKernel,
  createSharedMemory,
  ensureBytes,
  instantiateQuantised,
  MAX_CANDIDATES,
  type QuantisedExports,
  type QuantisedFormat,
  type QuantisedLayout,
  quantisedLayout,
  scanLane,
  writeQuery,
} from './quantised.ts';

export interface Candidates {
  readonly indices: Int32Array;
  /** Approximate scores, comparable with `bound`: |exact cosine - score| <= bound(query). */
  readonly scores: Float32Array;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
// Halves below 2^-14 would be subnormal and slow the scan; dropping them costs at most this per value.
const F16_FLUSH = 2 ** -14;

/** f32 -> f16 bits, rounded to nearest; values under 2^-14 become zero. */
export function toHalf(value: number): number {
  f32[0] = value;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 112;
  if (exponent <= 0) return sign;
  if (exponent >= 31) return sign | 0x7c00;
  // A mantissa that rounds up carries into the exponent, which is the correct result.
  return sign | ((exponent << 10) + (((bits & 0x7fffff) + 0x1000) >>> 13));
}

/**
 * Rows [0, rows) of codes, one per speaker row of the f32 matrix, at the same index.
 *
 * @example
 * const compact = new QuantisedRows(192, 'int8');
 * compact.set(0, unit);
 * compact.candidates(query, 32); // approximate best 32, for exact re-ranking
 */
export class QuantisedRows {
  readonly layout: QuantisedLayout;
  readonly memory: ReturnType<typeof createSharedMemory>;
  readonly #wasm: QuantisedExports;
  #rows = 0;
  #capacity = 0;
  // Views over the whole memory, renewed when it grows: a view per write cost more than the encoding.
  #bytes: Int8Array<ArrayBufferLike> = new Int8Array(0);
  #halves: Uint16Array<ArrayBufferLike> = new Uint16Array(0);
  #floats: Float32Array<ArrayBufferLike> = new Float32Array(0);
  #doubles: Float64Array<ArrayBufferLike> = new Float64Array(0);
  #maxScale = 0;
  #maxResidual = 0;
  #version = 0;

  constructor(dim: number, format: QuantisedFormat = 'int8') {
    // The encoding reads 4 values at a time (EmbeddingIndex's dimensions are multiples of 4 too).
    if (!(Number.isInteger(dim) && dim > 0 && dim % 4 === 0))
      throw new RangeError(`dim must be a positive multiple of 4, got ${dim}`);
    this.memory = createSharedMemory(0);
    this.#wasm = instantiateQuantised(compileQuantisedKernel(), this.memory);
    this.layout = quantisedLayout(format, dim, this.#wasm.heapBase());
    this.#reserve(0);
  }

  get rows(): number {
    return this.#rows;
  }

  /** Bumped by every write, so a scan that ran while rows changed can tell. */
  get version(): number {
    return this.#version;
  }

  /** Bytes of shared memory per row in use (codes, and the int8 scale). */
  get bytesPerRow(): number {
    return this.layout.stride;
  }

  /** Largest int8 scale ever stored; the error bound uses it, so it never shrinks. */
  get maxScale(): number {
    return this.#maxScale;
  }

  /** Largest row residual ever stored (the other input of `bound`). */
  get maxResidual(): number {
    return this.#maxResidual;
  }

  /** The codes (and int8 scales) of rows [0, rows), a view of the shared memory: a snapshot saves it. */
  codeBytes(): Uint8Array {
    const { codes, stride } = this.layout;
    return new Uint8Array(this.memory.buffer, codes, this.#rows * stride);
  }

  /**
   * Replaces every row by `rows` saved rows (`codeBytes()` of an index with the same layout, or a
   * function that writes them into the view it is given) and the
   * bounds they were encoded with, so searches and `bound` answer exactly as before the save.
   */
  restore(
    rows: number,
    codeBytes: Uint8Array | ((into: Uint8Array) => void),
    maxScale: number,
    maxResidual: number,
  ): void {
    const length = rows * this.layout.stride;
    if (typeof codeBytes !== 'function' && codeBytes.length !== length) {
      throw new RangeError(`${codeBytes.length} bytes are not ${rows} rows of ${this.layout.stride}`);
    }
    if (rows > this.#capacity) this.#reserve(rows);
    const into = new Uint8Array(this.memory.buffer, this.layout.codes, length);
    // A function fills the shared memory itself (a snapshot reads the file straight into it).
    if (typeof codeBytes === 'function') codeBytes(into);
    else into.set(codeBytes);
    this.#rows = rows;
    this.#maxScale = maxScale;
    this.#maxResidual = maxResidual;
    this.#version++;
  }

  /** Encodes a unit row at `row`, overwriting it or appending when `row === rows`. */
  set(row: number, unit: Float32Array): void {
    if (!(row >= 0 && row <= this.#rows) || unit.length !== this.layout.dim) {
      throw new RangeError(`cannot write ${unit.length} values at row ${row} of ${this.#rows}`);
    }
    if (row === this.#rows) {
      if (row === this.#capacity) this.#reserve(Math.max(64, row * 2));
      this.#rows++;
    }
    const { stride, paddedDim, codes } = this.layout;
    const at = codes + row * stride;
    if (this.layout.format === 'int8') {
      // The same wasm encoding the preload readers run, so a row read in parallel is byte for byte this.
      const { scratch, dim } = this.layout;
      this.#floats.set(unit, scratch >> 2);
      this.#wasm.encodeI8(scratch, 1, dim, 0, at, stride, paddedDim, scratch + dim * 4);
      const results = (scratch + dim * 4) >> 3;
      this.#maxScale = Math.max(this.#maxScale, this.#doubles[results]!);
      this.#maxResidual = Math.max(this.#maxResidual, this.#doubles[results + 1]!);
    } else {
      const halves = this.#halves;
      for (let j = 0; j < unit.length; j++) halves[(at >> 1) + j] = toHalf(unit[j]!);
    }
    this.#version++;
  }

  /** Drops the last row after moving it into `hole`, exactly as the f32 matrix does. */
  swapRemove(hole: number): void {
    const last = this.#rows - 1;
    const { stride, codes } = this.layout;
    if (hole !== last) {
      this.#bytes.copyWithin(codes + hole * stride, codes + last * stride, codes + (last + 1) * stride);
    }
    this.#rows = last;
    this.#version++;
  }

  /** The best `count` rows by approximate score, scanned in the calling thread. */
  candidates(unit: Float32Array, count: number): Candidates {
    const lane = this.layout.lanes[0]!;
    const queryScale = writeQuery(this.memory, this.layout, lane, unit);
    const n = scanLane(this.#wasm, this.layout, lane, 0, this.#rows, Math.min(count, MAX_CANDIDATES));
    const scores = new Float32Array(this.memory.buffer, lane.scores, n).slice();
    for (let i = 0; i < n; i++) scores[i] = scores[i]! * queryScale;
    return { indices: new Int32Array(this.memory.buffer, lane.indices, n).slice(), scores };
  }

  /**
   * Every row whose approximate score is >= `threshold`, ascending, scanned in the calling thread;
   * undefined when more than ABOVE_CAP qualify or the format has no second pass (f16).
   */
  above(unit: Float32Array, threshold: number): Int32Array | undefined {
    if (this.layout.format !== 'int8') return undefined;
    const lane = this.layout.lanes[0]!;
    const queryScale = writeQuery(this.memory, this.layout, lane, unit);
    const n = aboveLane(this.#wasm, this.layout, lane, 0, this.#rows, threshold / queryScale);
    return n > ABOVE_CAP ? undefined : new Int32Array(this.memory.buffer, lane.above, n).slice();
  }

  /**
   * Largest possible |exact cosine - approximate score| of any row for this unit query. With q, x the
   * unit query and row and q', x' what the kernel multiplies (codes x scales), q.x - q'.x' =
   * q.(x - x') + (q - q').x', so by Cauchy-Schwarz the error is at most |x - x'| + |q - q'| (1 + |x - x'|):
   * the largest row residual ever stored, and this query's own residual, computed here exactly. The
   * older per-value bound (rounding of at most scale/2 per value, summed with |x|_1 <= sqrt(dim)) is
   * kept too, and the smaller one used; f16 keeps 11 bits and drops values below 2^-14. Slack covers
   * f32 rounding in the kernel and of the unit vectors' norms.
   */
  bound(unit: Float32Array): number {
    const dim = this.layout.dim;
    let queryL1 = 0;
    let queryMax = 0;
    for (let j = 0; j < unit.length; j++) {
      queryL1 += Math.abs(unit[j]!);
      queryMax = Math.max(queryMax, Math.abs(unit[j]!));
    }
    const slack = 1e-5;
    if (this.layout.format === 'f16') return 2 ** -11 + F16_FLUSH * queryL1 + slack;
    const queryScale = queryMax / 127;
    let queryResidual = 0;
    if (queryMax > 0) {
      for (let j = 0; j < unit.length; j++) {
        queryResidual += (unit[j]! - Math.round(unit[j]! / queryScale) * queryScale) ** 2;
      }
    }
    const euclidean = this.#maxResidual + Math.sqrt(queryResidual) * (1 + this.#maxResidual) + slack;
    const rowL1 = Math.sqrt(dim) + (dim * this.#maxScale) / 2;
    const perValue = (queryScale / 2) * rowL1 + (this.#maxScale / 2) * queryL1 + slack;
    return Math.min(euclidean, perValue);
  }

  #reserve(rows: number): void {
    ensureBytes(this.memory, this.layout.codes + rows * this.layout.stride);
    const buffer = this.memory.buffer;
    this.#capacity = Math.floor((buffer.byteLength - this.layout.codes) / this.layout.stride);
    this.#bytes = new Int8Array(buffer);
    this.#halves = new Uint16Array(buffer);
    this.#floats = new Float32Array(buffer);
    this.#doubles = new Float64Array(buffer);
  }
}
