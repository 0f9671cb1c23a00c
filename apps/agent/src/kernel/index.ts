// Runs the committed WASM SIMD kernel: one instance per matrix, whose rows live in the instance's memory.
import { readFileSync } from 'node:fs';

/** Largest k the kernel's result buffers hold. */
export const MAX_K = 32;

const PAGE_BYTES = 65_536;
const ALIGN = 64;

// tsconfig's lib (ES2023, no DOM) leaves WebAssembly untyped; this is the slice of it the kernel uses.
export type KernelModule = object;
interface WasmApi {
  Module: new (bytes: Uint8Array) => KernelModule;
  Instance: new (module: KernelModule) => { readonly exports: unknown };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface KernelExports {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  heapBase(): number;
  dot(rowPtr: number, queryPtr: number, dim: number): number;
  topK(
    matrixPtr: number,
    rows: number,
    dim: number,
    queryPtr: number,
    k: number,
    indicesPtr: number,
    scoresPtr: number,
  ): number;
}

export interface TopK {
  readonly indices: Int32Array;
  readonly scores: Float32Array;
}

/** URL of the committed kernel binary; `kernel.test.ts` proves it is what `build.ts` makes of the source. */
export const KERNEL_WASM_URL = new URL('./kernel.wasm', import.meta.url);

let compiled: KernelModule | undefined;

/** Compiles the kernel once per process; call early to fail at startup rather than on first use. */
export function compileKernel(): KernelModule {
  compiled ??= new wasmApi.Module(readFileSync(KERNEL_WASM_URL));
  return compiled;
}

const alignUp = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

/**
 * A row-major f32 matrix of `dim` columns living in wasm linear memory, plus the kernel that scans it.
 * Queries copy only `dim` floats in; the matrix is never copied, and growing it keeps rows in place.
 *
 * @example
 * const kernel = new Kernel(192);
 * kernel.reserve(1000).set(rows);
 * const { indices, scores } = kernel.topK(1000, query, 5);
 */
export class Kernel {
  readonly dim: number;
  readonly #wasm: KernelExports;
  readonly #queryPtr: number;
  readonly #indicesPtr: number;
  readonly #scoresPtr: number;
  readonly #matrixPtr: number;
  #query = new Float32Array(0);
  #indices = new Int32Array(0);
  #scores = new Float32Array(0);
  #matrix = new Float32Array(0);

  constructor(dim: number) {
    if (!Number.isInteger(dim) || dim <= 0 || dim % 4 !== 0) {
      throw new RangeError(`kernel dim must be a positive multiple of 4, got ${dim}`);
    }
    this.dim = dim;
    this.#wasm = new wasmApi.Instance(compileKernel()).exports as KernelExports;
    this.#queryPtr = alignUp(this.#wasm.heapBase());
    this.#indicesPtr = alignUp(this.#queryPtr + dim * 4);
    this.#scoresPtr = this.#indicesPtr + MAX_K * 4;
    this.#matrixPtr = alignUp(this.#scoresPtr + MAX_K * 4);
    this.reserve(0);
  }

  /** Rows the matrix holds without growing memory. */
  get capacity(): number {
    return this.#matrix.length / this.dim;
  }

  /** Current view of the matrix; a later `reserve` may detach it. */
  get matrix(): Float32Array {
    return this.#matrix;
  }

  /** Grows memory to hold at least `rows` rows (contents stay in place) and returns the fresh view. */
  reserve(rows: number): Float32Array {
    const memory = this.#wasm.memory;
    const needed = this.#matrixPtr + rows * this.dim * 4;
    if (needed > memory.buffer.byteLength || this.#matrix.byteLength === 0) {
      const missing = Math.ceil((needed - memory.buffer.byteLength) / PAGE_BYTES);
      if (missing > 0) memory.grow(missing);
      const buffer = memory.buffer;
      this.#query = new Float32Array(buffer, this.#queryPtr, this.dim);
      this.#indices = new Int32Array(buffer, this.#indicesPtr, MAX_K);
      this.#scores = new Float32Array(buffer, this.#scoresPtr, MAX_K);
      const capacity = Math.floor((buffer.byteLength - this.#matrixPtr) / (this.dim * 4));
      this.#matrix = new Float32Array(buffer, this.#matrixPtr, capacity * this.dim);
    }
    return this.#matrix;
  }

  /** Best min(k, rows) of rows [0, rows) by dot product, best first, ties by lower row; k <= MAX_K. */
  topK(rows: number, query: Float32Array, k: number): TopK {
    // The kernel trusts its arguments; these keep it inside its buffers.
    if (!(k >= 1 && k <= MAX_K) || rows * this.dim > this.#matrix.length) {
      throw new RangeError(`topK needs 1 <= k <= ${MAX_K} and rows <= capacity, got k=${k} rows=${rows}`);
    }
    this.#setQuery(query);
    const n = this.#wasm.topK(
      this.#matrixPtr,
      rows,
      this.dim,
      this.#queryPtr,
      k,
      this.#indicesPtr,
      this.#scoresPtr,
    );
    return { indices: this.#indices.slice(0, n), scores: this.#scores.slice(0, n) };
  }

  /** Dot product of one row with the query, bit-identical to that row's score in `topK`. */
  dot(row: number, query: Float32Array): number {
    if (!(row >= 0 && row < this.capacity)) throw new RangeError(`row ${row} is outside the matrix`);
    this.#setQuery(query);
    return this.#wasm.dot(this.#matrixPtr + row * this.dim * 4, this.#queryPtr, this.dim);
  }

  #setQuery(query: Float32Array): void {
    if (query.length !== this.dim)
      throw new RangeError(`query has ${query.length} values, expected ${this.dim}`);
    this.#query.set(query);
  }
}
