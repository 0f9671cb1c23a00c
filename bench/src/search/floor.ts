// The memory-scan floor: the time one SIMD pass needs just to read every byte of the matrix.
import asc from 'assemblyscript/asc';

// Loads four vectors (one cache line) per iteration into four accumulators and does nothing else,
// so its time is what streaming the matrix costs on this machine.
const SOURCE = `
export function stream(ptr: usize, bytes: usize): f32 {
  let a0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  let a2 = f32x4.splat(0);
  let a3 = f32x4.splat(0);
  const end = ptr + bytes;
  for (let p = ptr; p < end; p += 64) {
    a0 = f32x4.add(a0, v128.load(p));
    a1 = f32x4.add(a1, v128.load(p, 16));
    a2 = f32x4.add(a2, v128.load(p, 32));
    a3 = f32x4.add(a3, v128.load(p, 48));
  }
  const s = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}
`;

interface FloorExports {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  stream(ptr: number, bytes: number): number;
}

// tsconfig's lib has no WebAssembly types; this is the slice used here.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { readonly exports: unknown };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const BASE = 64;

/** Compiles the floor loop (same asc flags as the kernel) and returns a scanner over a copy of `rows`. */
export async function createFloor(rows: Float32Array): Promise<() => number> {
  const { binary, stderr } = await asc.compileString(SOURCE, {
    optimizeLevel: 3,
    runtime: 'stub',
    enable: ['simd'],
    noAssert: true,
  });
  if (!binary) throw new Error(`floor kernel failed to compile: ${stderr.toString()}`);
  const wasm = new wasmApi.Instance(new wasmApi.Module(binary)).exports as FloorExports;
  const needed = BASE + rows.byteLength - wasm.memory.buffer.byteLength;
  if (needed > 0) wasm.memory.grow(Math.ceil(needed / 65_536));
  new Float32Array(wasm.memory.buffer, BASE, rows.length).set(rows);
  return () => wasm.stream(BASE, rows.byteLength);
}
