// Contiguous row-major float32 rows of one dimension; the scoring backend decides where the floats live.

/** Returns storage for at least `rows` rows that starts with `current`'s contents (it may reuse it). */
export type GrowRows = (rows: number, current: Float32Array) => Float32Array;

/** Grows into a fresh JS heap array: the default when no backend owns the memory. */
export const growByCopy =
  (dim: number): GrowRows =>
  (rows, current) => {
    const next = new Float32Array(rows * dim);
    next.set(current);
    return next;
  };

/**
 * Rows [0, rows) of `data` are live; appending doubles capacity. Every write bumps `version`, so a
 * backend that caches a copy (tfjs keeps a tensor) knows when to refresh it.
 */
export class RowMatrix {
  readonly dim: number;
  readonly #grow: GrowRows;
  #data: Float32Array;
  #rows = 0;
  #version = 0;

  constructor(dim: number, grow: GrowRows = growByCopy(dim)) {
    this.dim = dim;
    this.#grow = grow;
    this.#data = grow(0, new Float32Array(0));
  }

  get rows(): number {
    return this.#rows;
  }

  get version(): number {
    return this.#version;
  }

  /** Backing storage (capacity x dim); only the first rows x dim floats are meaningful. Re-read after writes. */
  get data(): Float32Array {
    return this.#data;
  }

  /** A view of one row; valid until the next append. */
  row(row: number): Float32Array {
    return this.#data.subarray(row * this.dim, (row + 1) * this.dim);
  }

  /** Overwrites row `row`, or appends when `row === rows`. */
  set(row: number, values: Float32Array): void {
    if (!(row >= 0 && row <= this.#rows) || values.length !== this.dim) {
      throw new RangeError(`cannot write ${values.length} floats at row ${row} of ${this.#rows}`);
    }
    if (row === this.#rows) {
      if ((row + 1) * this.dim > this.#data.length) {
        this.#data = this.#grow(Math.max(4, row * 2), this.#data.subarray(0, row * this.dim));
      }
      this.#rows++;
    }
    this.#data.set(values, row * this.dim);
    this.#version++;
  }

  /** Drops the last row, first moving it into `hole` so rows stay contiguous. Returns the row it moved. */
  swapRemove(hole: number): number {
    const last = this.#rows - 1;
    if (hole !== last) this.#data.copyWithin(hole * this.dim, last * this.dim, (last + 1) * this.dim);
    this.#rows = last;
    this.#version++;
    return last;
  }
}
