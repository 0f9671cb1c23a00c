// Validates an embedding and scales it to unit length, so a dot product of two of them is their cosine.
import { ScoringError } from './errors.ts';

/** Throws `invalid_dimension` unless `dim` is a positive multiple of 4 (the kernel reads 4 lanes at a time). */
export function checkDimension(dim: number): void {
  if (!Number.isInteger(dim) || dim <= 0 || dim % 4 !== 0) {
    throw new ScoringError('invalid_dimension', `dimension must be a positive multiple of 4, got ${dim}`);
  }
}

/**
 * Returns a unit-length copy of `vector`. Throws `dimension_mismatch` when `dim` is given and differs,
 * `non_finite` for NaN/Infinity, `zero_norm` when there is no direction to keep.
 *
 * @example
 * l2normalize(new Float32Array([3, 4, 0, 0])); // Float32Array [0.6, 0.8, 0, 0]
 */
export function l2normalize(vector: Float32Array, dim?: number): Float32Array {
  if (dim !== undefined && vector.length !== dim) {
    throw new ScoringError('dimension_mismatch', `expected ${dim} values, got ${vector.length}`);
  }
  const length = vector.length;
  let sumSquares = 0;
  for (let i = 0; i < length; i++) sumSquares += vector[i]! * vector[i]!;
  // One check instead of one per value (this runs on every query): a NaN or an infinity, and only
  // those, make the float64 sum of float32 squares non-finite.
  if (!Number.isFinite(sumSquares)) {
    const at = vector.findIndex((value) => !Number.isFinite(value));
    throw new ScoringError('non_finite', `value at ${at} is ${vector[at]}`);
  }
  // Summed in float64: squares of float32 values neither overflow nor underflow to 0, so only an
  // all-zero vector has norm 0.
  const norm = Math.sqrt(sumSquares);
  if (norm === 0) {
    throw new ScoringError('zero_norm', 'vector has zero length');
  }
  const unit = new Float32Array(length);
  for (let i = 0; i < length; i++) unit[i] = vector[i]! / norm;
  return unit;
}
