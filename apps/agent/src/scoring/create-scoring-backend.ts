// Picks a scoring backend by name; the agent config and the benchmark both go through here.
import { BACKEND_NAMES, type BackendName, type ScoringBackend } from './backend.ts';
import { ScoringError } from './errors.ts';
import { createJsBackend } from './js-backend.ts';
import { type OnFallback, createTfjsBackend } from './tfjs-backend.ts';
import { createWasmSimdBackend } from './wasm-simd-backend.ts';

export interface CreateScoringBackendOptions {
  /** Told when tfjs skips an engine (tfjs-node, then tfjs-wasm); defaults to a process warning. */
  readonly onFallback?: OnFallback;
}

const warnFallback: OnFallback = (engine, error) => {
  process.emitWarning(`scoring: ${engine} unavailable, falling back: ${String(error)}`, 'ScoringFallback');
};

/**
 * Creates the named backend; `wasm-simd` is the default and fastest.
 *
 * @example
 * const backend = await createScoringBackend('wasm-simd');
 * const index = new EmbeddingIndex({ backend });
 */
export async function createScoringBackend(
  name: BackendName = 'wasm-simd',
  options: CreateScoringBackendOptions = {},
): Promise<ScoringBackend> {
  try {
    switch (name) {
      case 'wasm-simd':
        return createWasmSimdBackend();
      case 'tfjs':
        return await createTfjsBackend(options.onFallback ?? warnFallback);
      case 'js':
        return createJsBackend();
    }
  } catch (error) {
    throw new ScoringError('backend_unavailable', `scoring backend ${name} failed to start`, {
      cause: error,
    });
  }
  throw new ScoringError(
    'backend_unavailable',
    `unknown scoring backend ${String(name)}; use ${BACKEND_NAMES.join(', ')}`,
  );
}
