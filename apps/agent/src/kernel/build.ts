// Compiles the AssemblyScript kernels: `npx tsx apps/agent/src/kernel/build.ts [outFile [quantisedOutFile]]`.
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';
import { KERNEL_WASM_URL } from './index.ts';
import { QUANTISED_WASM_URL } from './quantised.ts';

const SOURCE = fileURLToPath(new URL('./assembly/index.ts', import.meta.url));
const QUANTISED_SOURCE = fileURLToPath(new URL('./assembly/quantised.ts', import.meta.url));

/** Release flags; kernel.test.ts rebuilds with exactly these and compares bytes with the committed file. */
export const ASC_FLAGS = ['--enable', 'simd', '-O3', '--runtime', 'stub', '--noAssert'] as const;

export class KernelBuildError extends Error {
  readonly code = 'kernel_build_failed';
}

/**
 * The quantised kernel imports a shared memory (worker threads scan it too); a shared memory must
 * declare its maximum, here the wasm32 limit of 4 GiB, which is only reserved address space.
 */
export const QUANTISED_ASC_FLAGS = [
  '--enable',
  'simd,threads',
  '-O3',
  '--runtime',
  'stub',
  '--noAssert',
  '--importMemory',
  '--sharedMemory',
  '--initialMemory',
  '1',
  '--maximumMemory',
  '65536',
] as const;

async function compile(source: string, flags: readonly string[], outFile: string): Promise<void> {
  const result = await asc.main([source, ...flags, '--outFile', outFile]);
  if (result.error) {
    throw new KernelBuildError(`asc failed: ${result.stderr.toString()}`, { cause: result.error });
  }
}

/** Compiles the f32 kernel source to `outFile` with the committed flags. */
export function buildKernel(outFile: string): Promise<void> {
  return compile(SOURCE, ASC_FLAGS, outFile);
}

/** Compiles the quantised (int8 / f16) kernel source to `outFile` with the committed flags. */
export function buildQuantisedKernel(outFile: string): Promise<void> {
  return compile(QUANTISED_SOURCE, QUANTISED_ASC_FLAGS, outFile);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outFile = process.argv[2] ?? fileURLToPath(KERNEL_WASM_URL);
  const quantisedOutFile = process.argv[3] ?? fileURLToPath(QUANTISED_WASM_URL);
  await buildKernel(outFile);
  await buildQuantisedKernel(quantisedOutFile);
  process.stdout.write(`kernels written to ${outFile} and ${quantisedOutFile}\n`);
}
