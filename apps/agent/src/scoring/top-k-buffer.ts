// The k best (row, score) pairs seen so far, kept sorted; the JS twin of the kernel's insertion buffer.
import type { TopK } from './backend.ts';

export class TopKBuffer {
  readonly #k: number;
  readonly #indices: Int32Array;
  readonly #scores: Float64Array;
  #size = 0;

  constructor(k: number) {
    this.#k = k;
    this.#indices = new Int32Array(k);
    this.#scores = new Float64Array(k);
  }

  /**
   * Rows must arrive in ascending order: a newcomer lands after equal scores, so ties stay ordered by
   * lower row, the same rule the kernel and tf.topk follow.
   */
  offer(row: number, score: number): void {
    const full = this.#size === this.#k;
    if (full && !(score > this.#scores[this.#k - 1]!)) return;
    let i = full ? this.#k - 1 : this.#size;
    while (i > 0 && this.#scores[i - 1]! < score) {
      this.#scores[i] = this.#scores[i - 1]!;
      this.#indices[i] = this.#indices[i - 1]!;
      i--;
    }
    this.#scores[i] = score;
    this.#indices[i] = row;
    if (!full) this.#size++;
  }

  result(): TopK {
    return {
      indices: this.#indices.slice(0, this.#size),
      scores: Float32Array.from(this.#scores.subarray(0, this.#size)),
    };
  }
}
