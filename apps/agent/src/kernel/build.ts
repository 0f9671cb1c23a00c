// Compiles the AssemblyScript kernel into kernel.wasm: `npx tsx apps/agent/src/kernel/build.ts [outFile]`.
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';
import { KERNEL_WASM_URL } from './index.ts';

const SOURCE = fileURLToPath(new URL('./assembly/index.ts', import.meta.url));

/** Release flags; kernel.test.ts rebuilds with exactly these and compares bytes with the committed file. */
export const ASC_FLAGS = ['--enable', 'simd', '-O3', '--runtime', 'stub', '--noAssert'] as const;

export class KernelBuildError extends Error {
  readonly code = 'kernel_build_failed';
}

/** Compiles the kernel source to `outFile` with the committed flags. */
export async function buildKernel(outFile: string): Promise<void> {
  const result = await asc.main([SOURCE, ...ASC_FLAGS, '--outFile', outFile]);
  if (result.error) {
    throw new KernelBuildError(`asc failed: ${result.stderr.toString()}`, { cause: result.error });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outFile = process.argv[2] ?? fileURLToPath(KERNEL_WASM_URL);
  await buildKernel(outFile);
  process.stdout.write(`kernel written to ${outFile}\n`);
}
