// Runs the quantised kernel over a compact copy of the rows in shared memory, so worker threads can scan it too.
import { readFileSync } from 'node:fs';

/** `int8`: dim codes plus an f32 scale per row (dim + 4 bytes); `f16`: 2 bytes per value. */
export type QuantisedFormat = 'int8' | 'f16';

/** Most candidates one scan returns (per lane). */
export const MAX_CANDIDATES = 256;
/** Lanes: the calling thread's and one per worker, each with its own query and result buffers. */
export const MAX_LANES = 4;
/** Most rows one lane's second pass (`aboveI8`) lists. */
export const ABOVE_CAP = 1024;

const PAGE_BYTES = 65_536;
// Wasm32 memories stop at 4 GiB; a shared one must declare its maximum up front (it is only reserved).
const MAX_PAGES = 65_536;
const ALIGN = 64;
// f16 codes have a 5-bit exponent; the kernel leaves its bias to the query: 2^(127 - 15).
const F16_BIAS = 2 ** 112;

type WasmModule = object;
interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { readonly exports: unknown };
  Memory: new (limits: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export interface QuantisedExports {
  heapBase(): number;
  topKI8(
    codes: number,
    stride: number,
    first: number,
    count: number,
    dim: number,
    query: number,
    k: number,
    indices: number,
    scores: number,
  ): number;
  aboveI8(
    codes: number,
    stride: number,
    first: number,
    count: number,
    dim: number,
    query: number,
    threshold: number,
    cap: number,
    out: number,
  ): number;
  /** See assembly/encode.ts: int8 codes, scales and residuals of `count` rows; -1 or the first bad row. */
  encodeI8(
    values: number,
    count: number,
    dim: number,
    normalise: number,
    codes: number,
    stride: number,
    paddedDim: number,
    out: number,
  ): number;
  topKF16(
    codes: number,
    first: number,
    count: number,
    dim: number,
    query: number,
    k: number,
    indices: number,
    scores: number,
  ): number;
}

/** URL of the committed binary; `kernel.test.ts` proves it is what `build.ts` makes of the source. */
export const QUANTISED_WASM_URL = new URL('./quantised.wasm', import.meta.url);

let compiled: WasmModule | undefined;

/** Compiles the quantised kernel once per process (workers receive the compiled module). */
export function compileQuantisedKernel(): WasmModule {
  compiled ??= new wasmApi.Module(readFileSync(QUANTISED_WASM_URL));
  return compiled;
}

/** Instantiates the kernel over `memory`; the same call runs in every worker. */
export function instantiateQuantised(module: WasmModule, memory: WasmMemory): QuantisedExports {
  return new wasmApi.Instance(module, { env: { memory } }).exports as QuantisedExports;
}

const alignUp = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

/** Where one lane's query and results live, in bytes from the start of memory. */
export interface Lane {
  readonly query: number;
  readonly indices: number;
  readonly scores: number;
  readonly above: number;
}

/** The shape of the shared memory, everything a worker needs besides the memory itself. */
export interface QuantisedLayout {
  readonly format: QuantisedFormat;
  readonly dim: number;
  /** dim rounded up to the kernel's vector width (16 codes or 8 halves); padding stays zero. */
  readonly paddedDim: number;
  readonly stride: number;
  readonly lanes: readonly Lane[];
  /** Int32 words for the worker hand-shake, MAX_LANES x 8. */
  readonly control: number;
  /** The calling thread's encoding area: a row of f32 values, then encodeI8's two f64 results. */
  readonly scratch: number;
  readonly codes: number;
}

/** Lays out lanes and control words after the kernel's static data, then the rows. */
export function quantisedLayout(format: QuantisedFormat, dim: number, heapBase: number): QuantisedLayout {
  const paddedDim = format === 'int8' ? Math.ceil(dim / 16) * 16 : Math.ceil(dim / 8) * 8;
  const stride = format === 'int8' ? paddedDim + 4 : paddedDim * 2;
  let at = alignUp(heapBase);
  const lanes: Lane[] = [];
  for (let i = 0; i < MAX_LANES; i++) {
    const query = at;
    const indices = alignUp(query + paddedDim * 4);
    const scores = indices + MAX_CANDIDATES * 4;
    const above = scores + MAX_CANDIDATES * 4;
    at = alignUp(above + ABOVE_CAP * 4);
    lanes.push({ query, indices, scores, above });
  }
  const control = at;
  const scratch = alignUp(control + MAX_LANES * 32);
  const codes = alignUp(scratch + encodeScratchBytes(1, dim));
  return { format, dim, paddedDim, stride, lanes, control, scratch, codes };
}

/** Bytes an encodeI8 call over `rows` rows needs at its `values` pointer: the rows, then two f64. */
export function encodeScratchBytes(rows: number, dim: number): number {
  return rows * dim * 4 + 16;
}

/** A shared memory big enough for `bytes`, growable to the wasm32 limit. */
export function createSharedMemory(bytes: number): WasmMemory {
  return new wasmApi.Memory({
    initial: Math.max(1, Math.ceil(bytes / PAGE_BYTES)),
    maximum: MAX_PAGES,
    shared: true,
  });
}

/** Grows `memory` to hold `bytes`; shared memory grows in place, so views stay valid but short. */
export function ensureBytes(memory: WasmMemory, bytes: number): void {
  const missing = Math.ceil((bytes - memory.buffer.byteLength) / PAGE_BYTES);
  if (missing > 0) memory.grow(missing);
}

/** Writes the query into a lane in the format's encoding; returns the int8 query scale (1 for f16). */
export function writeQuery(
  memory: WasmMemory,
  layout: QuantisedLayout,
  lane: Lane,
  unit: Float32Array,
): number {
  if (layout.format === 'int8')
    return encodeInt8(unit, new Int16Array(memory.buffer, lane.query, layout.paddedDim));
  const query = new Float32Array(memory.buffer, lane.query, layout.paddedDim);
  query.fill(0);
  for (let j = 0; j < unit.length; j++) query[j] = unit[j]! * F16_BIAS;
  return 1;
}

/**
 * Symmetric int8 codes of `values` into `out` (zero past the values; the kernel takes the query's codes
 * widened to i16); returns the scale (value = code x scale).
 */
export function encodeInt8(values: Float32Array, out: Int16Array): number {
  let max = 0;
  for (let j = 0; j < values.length; j++) max = Math.max(max, Math.abs(values[j]!));
  const scale = max === 0 ? 1 : max / 127;
  out.fill(0);
  for (let j = 0; j < values.length; j++) out[j] = Math.round(values[j]! / scale);
  return scale;
}

/** Runs one lane's scan of rows [first, first + count) in the calling thread; returns how many it kept. */
export function scanLane(
  wasm: QuantisedExports,
  layout: QuantisedLayout,
  lane: Lane,
  first: number,
  count: number,
  k: number,
): number {
  return layout.format === 'int8'
    ? wasm.topKI8(
        layout.codes,
        layout.stride,
        first,
        count,
        layout.paddedDim,
        lane.query,
        k,
        lane.indices,
        lane.scores,
      )
    : wasm.topKF16(layout.codes, first, count, layout.paddedDim, lane.query, k, lane.indices, lane.scores);
}

/** Lists rows of [first, first + count) whose kernel score is >= threshold (int8 only); returns how many qualified. */
export function aboveLane(
  wasm: QuantisedExports,
  layout: QuantisedLayout,
  lane: Lane,
  first: number,
  count: number,
  threshold: number,
): number {
  return wasm.aboveI8(
    layout.codes,
    layout.stride,
    first,
    count,
    layout.paddedDim,
    lane.query,
    threshold,
    ABOVE_CAP,
    lane.above,
  );
}
