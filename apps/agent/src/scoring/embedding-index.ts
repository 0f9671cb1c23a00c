// Speaker embeddings as unit rows of one contiguous matrix, scored by cosine with a pluggable backend.
import type { ScoringBackend } from './backend.ts';
import { checkDimension, l2normalize } from './l2-normalize.ts';
import type { RowMatrix } from './row-matrix.ts';

/** Embedding size the voice pipeline produces. */
export const DEFAULT_DIM = 192;

export interface EmbeddingIndexOptions {
  readonly backend: ScoringBackend;
  readonly dim?: number;
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

  constructor({ backend, dim = DEFAULT_DIM }: EmbeddingIndexOptions) {
    checkDimension(dim);
    this.dim = dim;
    this.#backend = backend;
    this.#matrix = backend.createMatrix(dim);
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
    if (row === this.#speakerAt.length) {
      this.#rowOf.set(speakerId, row);
      this.#speakerAt.push(speakerId);
    }
  }

  /** Forgets the speaker; returns false if it was not enrolled. */
  remove(speakerId: string): boolean {
    const hole = this.#rowOf.get(speakerId);
    if (hole === undefined) return false;
    const moved = this.#matrix.swapRemove(hole);
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
    const { indices, scores } = this.#backend.topK(this.#matrix, l2normalize(query, this.dim), k);
    return Array.from(indices, (row, i) => ({ speakerId: this.#speakerAt[row]!, score: scores[i]! }));
  }

  /** Cosine of `query` with one speaker (for verify); undefined if the speaker is not enrolled. */
  score(speakerId: string, query: Float32Array): number | undefined {
    const unit = l2normalize(query, this.dim);
    const row = this.#rowOf.get(speakerId);
    return row === undefined ? undefined : this.#backend.dot(this.#matrix, row, unit);
  }
}
