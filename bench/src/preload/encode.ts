// The readers' per-row arithmetic alone: the kernel's encodeI8 (normalise, int8 codes, scale, residual)
// as a reader calls it, beside the plain JS the round-4 readers ran (kept here only as the peer).
import {
  compileQuantisedKernel,
  createSharedMemory,
  encodeScratchBytes,
  ensureBytes,
  instantiateQuantised,
  quantisedLayout,
} from '../../../apps/agent/src/kernel/quantised.ts';
import { randomEmbeddings } from '../../../apps/agent/src/scoring/random-embeddings.ts';

const DIM = 192;
const ROWS = 200_000;
const CHUNK = 1024;

/** Median ms of both over `runs` interleaved runs, on this thread. */
export function benchEncode(runs = 7): string {
  const raw = randomEmbeddings(ROWS, DIM, 1).map((x) => x * 3.7);
  const memory = createSharedMemory(0);
  const wasm = instantiateQuantised(compileQuantisedKernel(), memory);
  const { codes, stride, paddedDim } = quantisedLayout('int8', DIM, wasm.heapBase());
  const scratch = codes + ROWS * stride;
  ensureBytes(memory, scratch + encodeScratchBytes(CHUNK, DIM));
  const bytes = new Int8Array(memory.buffer);
  const scales = new Float32Array(memory.buffer);
  const unit = new Float32Array(CHUNK * DIM);
  // Round 4's reader: l2normalize, then QuantisedRows.set's int8 with Math.round as floor(x + 0.5).
  const peer = () => {
    let maxResidual = 0;
    for (let r = 0; r < ROWS; r++) {
      const v = r * DIM;
      const u = (r % CHUNK) * DIM;
      const at = codes + r * stride;
      let sum = 0;
      for (let i = 0; i < DIM; i++) sum += raw[v + i]! * raw[v + i]!;
      const norm = Math.sqrt(sum);
      let max = 0;
      for (let i = 0; i < DIM; i++) {
        const x = Math.fround(raw[v + i]! / norm);
        unit[u + i] = x;
        if (Math.abs(x) > max) max = Math.abs(x);
      }
      const scale = max === 0 ? 1 : max / 127;
      const inverse = 1 / scale;
      const stored = Math.fround(scale);
      let residual = 0;
      for (let j = 0; j < DIM; j++) {
        const x = unit[u + j]! * inverse;
        const code = x === 0.49999999999999994 ? 0 : Math.floor(x + 0.5);
        bytes[at + j] = code;
        residual += (unit[u + j]! - code * stored) ** 2;
      }
      scales[(at + paddedDim) >> 2] = scale;
      maxResidual = Math.max(maxResidual, Math.sqrt(residual));
    }
    return maxResidual;
  };
  const values = new Float32Array(memory.buffer, scratch, CHUNK * DIM);
  const kernel = () => {
    for (let r = 0; r < ROWS; r += CHUNK) {
      const m = Math.min(CHUNK, ROWS - r);
      values.set(raw.subarray(r * DIM, (r + m) * DIM));
      const out = scratch + CHUNK * DIM * 4;
      if (wasm.encodeI8(scratch, m, DIM, 1, codes + r * stride, stride, paddedDim, out) >= 0)
        throw new Error('a random row did not encode');
    }
  };
  const times: [number[], number[]] = [[], []];
  for (let run = 0; run < runs; run++) {
    for (const [i, f] of [peer, kernel].entries()) {
      const start = performance.now();
      f();
      times[i]!.push(performance.now() - start);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const [js, k] = times.map(median) as [number, number];
  const row = (name: string, ms: number, xs: number[]) =>
    `| ${name} | ${((ms * 1000) / ROWS).toFixed(3)} µs (${xs.map((x) => x.toFixed(0)).join(', ')} ms) | ${(js / ms).toFixed(2)}× |`;
  return [
    `| encoding ${ROWS.toLocaleString('en-US')} random rows of ${DIM} on one thread (median of ${runs}) | per row (runs) | speed-up |`,
    '|---|---:|---:|',
    row("round 4's JS in the readers (the peer)", js, times[0]),
    row('the kernel’s `encodeI8`, 1,024-row chunks copied in, as a reader calls it', k, times[1]),
  ].join('\n');
}
