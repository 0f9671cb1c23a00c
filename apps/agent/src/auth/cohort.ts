// The impostor cohort for score normalisation: kept in libSQL, scored from memory.
import { bytesToFloat32, float32ToBytes } from '@voicesync/core';
import { l2normalize } from '../scoring/index.ts';
import type { Store } from '../store/index.ts';

export interface ScoreStats {
  mean: number;
  std: number;
}

/** Mean and standard deviation of the `topN` highest values (all of them when topN is undefined). */
export function topStats(scores: Float32Array, topN?: number): ScoreStats {
  let values: ArrayLike<number> = scores;
  if (topN !== undefined && topN < scores.length)
    values = Float32Array.from(scores)
      .sort()
      .subarray(scores.length - topN);
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] ?? 0;
  const mean = sum / values.length;
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += ((values[i] ?? 0) - mean) ** 2;
  // A degenerate cohort (one row, identical rows) must not divide by zero.
  return { mean, std: Math.max(Math.sqrt(squares / values.length), 1e-6) };
}

export class Cohort {
  private matrix = new Float32Array(0);
  private count = 0;

  constructor(
    private readonly store: Store,
    private readonly dim: number,
  ) {}

  get size(): number {
    return this.count;
  }

  async load(): Promise<void> {
    const rs = await this.store.client.execute('SELECT embedding FROM cohort ORDER BY id');
    this.set(rs.rows.map((row) => bytesToFloat32(new Uint8Array(row.embedding as ArrayBuffer))));
  }

  /** Replaces the cohort (rows are L2-normalised first) in one transaction. */
  async replace(embeddings: Float32Array[]): Promise<void> {
    const normalised = embeddings.map((e) => l2normalize(e, this.dim));
    await this.store.client.batch(
      [
        'DELETE FROM cohort',
        ...normalised.map((e) => ({
          sql: 'INSERT INTO cohort (embedding) VALUES (?)',
          args: [float32ToBytes(e)],
        })),
      ],
      'write',
    );
    this.set(normalised);
  }

  /** Scores of a normalised vector against every cohort row. */
  scores(vector: Float32Array): Float32Array {
    const out = new Float32Array(this.count);
    const dim = this.dim;
    for (let row = 0; row < this.count; row++) {
      let dot = 0;
      const base = row * dim;
      for (let i = 0; i < dim; i++) dot += (vector[i] ?? 0) * (this.matrix[base + i] ?? 0);
      out[row] = dot;
    }
    return out;
  }

  private set(rows: Float32Array[]): void {
    this.matrix = new Float32Array(rows.length * this.dim);
    rows.forEach((row, i) => {
      this.matrix.set(row, i * this.dim);
    });
    this.count = rows.length;
  }
}
