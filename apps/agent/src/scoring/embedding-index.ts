// Speaker embeddings as unit rows of one contiguous matrix, scored by cosine with a pluggable backend.
import { availableParallelism } from 'node:os';
import type { QuantisedFormat } from '../kernel/quantised.ts';
import { QuantisedRows } from '../kernel/quantised-rows.ts';
import { ScanPool } from '../kernel/scan-pool.ts';
import { checkK, type ScoringBackend, type TopK } from './backend.ts';
import { checkDimension, l2normalize } from './l2-normalize.ts';
import {
  DEFAULT_CANDIDATES,
  type QuantisedSource,
  quantisedTopK,
  quantisedTopKPooled,
} from './quantised-search.ts';
import type { RowMatrix } from './row-matrix.ts';

/** Embedding size the voice pipeline produces. */
export const DEFAULT_DIM = 192;

/** Where search leaves the f32 scan; defaults measured in docs/benchmarks-search.md. */
export interface QuantisedSearchOptions {
  /** Encoding of the compact copy; int8 (dim + 4 bytes a row) measured faster than f16. */
  readonly format?: QuantisedFormat;
  /** From this many speakers, search scans the compact copy and re-scores candidates in f32. */
  readonly minRows?: number;
  /** From this many, `searchAsync` splits the scan over worker threads. */
  readonly threadMinRows?: number;
  /** Worker threads for `searchAsync`; default one per core, at most 3. */
  readonly threads?: number;
  /** Fewest candidates re-scored exactly. */
  readonly candidates?: number;
}

export const QUANTISED_DEFAULTS = {
  format: 'int8',
  minRows: 20_000,
  threadMinRows: 50_000,
  threads: Math.min(3, Math.max(1, availableParallelism())),
  candidates: DEFAULT_CANDIDATES,
} as const satisfies Required<QuantisedSearchOptions>;

export interface EmbeddingIndexOptions {
  readonly backend: ScoringBackend;
  readonly dim?: number;
  /** The compact copy for large indexes; `false` keeps every search on the f32 scan. */
  readonly quantised?: QuantisedSearchOptions | false;
}

export interface SpeakerScore {
  readonly speakerId: string;
  readonly score: number;
}

/**
 * Maps speakerId <-> matrix row. Rows stay contiguous (removal moves the last row into the hole), so
 * a search is one pass of the backend's kernel over `size` rows.
 *
 * @example
 * const index = new EmbeddingIndex({ backend: await createScoringBackend() });
 * index.upsert('spk-1', embedding);
 * index.search(probe, 3); // [{ speakerId: 'spk-1', score: 0.93 }, ...]
 */
export class EmbeddingIndex {
  readonly dim: number;
  readonly #backend: ScoringBackend;
  readonly #matrix: RowMatrix;
  readonly #rowOf = new Map<string, number>();
  readonly #speakerAt: string[] = [];
  readonly #quantised: Required<QuantisedSearchOptions> | undefined;
  // Built when the index first reaches minRows: a small index never pays for it (nor reserves a shared memory).
  #compact: QuantisedRows | undefined;
  #pool: ScanPool | undefined;

  constructor({ backend, dim = DEFAULT_DIM, quantised = {} }: EmbeddingIndexOptions) {
    checkDimension(dim);
    this.dim = dim;
    this.#backend = backend;
    this.#matrix = backend.createMatrix(dim);
    if (quantised === false) return;
    this.#quantised = { ...QUANTISED_DEFAULTS, ...quantised };
  }

  /** Bytes held per enrolled speaker in the matrices (f32 row, compact row); maps and ids come on top. */
  get bytesPerSpeaker(): { f32: number; compact: number } {
    return { f32: this.dim * 4, compact: this.#compact?.bytesPerRow ?? 0 };
  }

  // Encodes every row so far into a new compact copy; from then on writes keep it in step.
  #buildCompact(options: Required<QuantisedSearchOptions>): QuantisedRows {
    const compact = new QuantisedRows(this.dim, options.format);
    for (let row = 0; row < this.size; row++) compact.set(row, this.#matrix.row(row));
    this.#compact = compact;
    return compact;
  }

  get size(): number {
    return this.#speakerAt.length;
  }

  has(speakerId: string): boolean {
    return this.#rowOf.has(speakerId);
  }

  /** Stores the L2-normalised embedding, overwriting the speaker's row in place or appending one. */
  upsert(speakerId: string, embedding: Float32Array): void {
    const unit = l2normalize(embedding, this.dim);
    const row = this.#rowOf.get(speakerId) ?? this.#speakerAt.length;
    this.#matrix.set(row, unit);
    this.#compact?.set(row, unit);
    if (row === this.#speakerAt.length) {
      this.#rowOf.set(speakerId, row);
      this.#speakerAt.push(speakerId);
    }
    if (!this.#compact && this.#quantised && this.size >= this.#quantised.minRows)
      this.#buildCompact(this.#quantised);
  }

  /** Forgets the speaker; returns false if it was not enrolled. */
  remove(speakerId: string): boolean {
    const hole = this.#rowOf.get(speakerId);
    if (hole === undefined) return false;
    const moved = this.#matrix.swapRemove(hole);
    this.#compact?.swapRemove(hole);
    const movedSpeaker = this.#speakerAt.pop()!;
    if (moved !== hole) {
      this.#speakerAt[hole] = movedSpeaker;
      this.#rowOf.set(movedSpeaker, hole);
    }
    this.#rowOf.delete(speakerId);
    return true;
  }

  /** A copy of the stored (unit-length) embedding. */
  get(speakerId: string): Float32Array | undefined {
    const row = this.#rowOf.get(speakerId);
    return row === undefined ? undefined : this.#matrix.row(row).slice();
  }

  /** The k most similar speakers to `query` by cosine, best first; ties go to the older row. */
  search(query: Float32Array, k: number): SpeakerScore[] {
    const unit = l2normalize(query, this.dim);
    if (!this.#compact || this.size < this.#quantised!.minRows) {
      return this.#hits(this.#backend.topK(this.#matrix, unit, k));
    }
    checkK(k);
    return this.#hits(quantisedTopK(this.#sourceFor(this.#compact, unit, k), unit, k));
  }

  /**
   * The same answer as `search`; from `threadMinRows` speakers the scan runs on worker threads, so the
   * calling thread (the HTTP server) keeps serving while it runs.
   */
  async searchAsync(query: Float32Array, k: number): Promise<SpeakerScore[]> {
    const compact = this.#compact;
    if (!compact || this.size < this.#quantised!.threadMinRows) return this.search(query, k);
    const unit = l2normalize(query, this.dim);
    checkK(k);
    this.#pool ??= new ScanPool(compact, this.#quantised!.threads);
    return this.#hits(await quantisedTopKPooled(this.#sourceFor(compact, unit, k), this.#pool, unit, k));
  }

  /** Stops the scan workers, if any started; the index stays usable (searchAsync starts them again). */
  close(): void {
    this.#pool?.close();
    this.#pool = undefined;
  }

  #sourceFor(compact: QuantisedRows, unit: Float32Array, k: number): QuantisedSource {
    return {
      compact,
      minCandidates: this.#quantised!.candidates,
      exact: (row) => this.#backend.dot(this.#matrix, row, unit),
      fullScan: () => this.#backend.topK(this.#matrix, unit, k),
    };
  }

  #hits({ indices, scores }: TopK): SpeakerScore[] {
    return Array.from(indices, (row, i) => ({ speakerId: this.#speakerAt[row]!, score: scores[i]! }));
  }

  /** Cosine of `query` with one speaker (for verify); undefined if the speaker is not enrolled. */
  score(speakerId: string, query: Float32Array): number | undefined {
    const unit = l2normalize(query, this.dim);
    const row = this.#rowOf.get(speakerId);
    return row === undefined ? undefined : this.#backend.dot(this.#matrix, row, unit);
  }
}
