// Mergeable enrolment state: a profile's centroid is the normalised sum of its unit samples, kept in float64.
import { bytesToHex } from '../bytes/index.ts';
import { canonicalJson } from '../hashing/index.ts';

const littleEndianHost = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * The sum of a profile's L2-normalised samples, unnormalised, in float64. Adding two sums is the
 * merge of two enrolments; its direction is the centroid scoring uses. A profile written whole (a
 * replace, or a row from before sums existed) has none stored: `sumOfCentroid` stands in for it.
 */
export type SampleSum = Float64Array;

/** `centroid` scaled to unit length, times `totalSamples`: the sum a replaced profile starts from. */
export function sumOfCentroid(centroid: ArrayLike<number>, totalSamples: number): SampleSum {
  const unit = unitFloat64(centroid);
  for (let i = 0; i < unit.length; i++) unit[i] = (unit[i] ?? 0) * totalSamples;
  return unit;
}

/** Sum of the given samples, each scaled to unit length first, so every utterance counts once. */
export function sumOfSamples(samples: ArrayLike<number>[], dim: number): SampleSum {
  const sum = new Float64Array(dim);
  for (const sample of samples) addInto(sum, unitFloat64(sample));
  return sum;
}

/** `a + b` as a new sum (the merge of two enrolments). */
export function addSums(a: SampleSum, b: SampleSum): SampleSum {
  const out = a.slice();
  addInto(out, b);
  return out;
}

/**
 * The centroid of a sum: its direction, computed in float64 and rounded once to float32. The same
 * arithmetic in V8 on Node and in workerd, so agent and edge derive identical bytes (and hashes).
 * Null when the sum has no direction (all zeros) or is not finite.
 */
export function centroidOfSum(sum: SampleSum): Float32Array | null {
  let squares = 0;
  for (let i = 0; i < sum.length; i++) squares += (sum[i] ?? 0) * (sum[i] ?? 0);
  const norm = Math.sqrt(squares);
  if (!(norm > 0) || !Number.isFinite(norm)) return null;
  const out = new Float32Array(sum.length);
  for (let i = 0; i < sum.length; i++) out[i] = (sum[i] ?? 0) / norm;
  return out;
}

/** Euclidean norm of a sum: at most its sample count, since every sample has norm 1. */
export function sumNorm(sum: SampleSum): number {
  let squares = 0;
  for (let i = 0; i < sum.length; i++) squares += (sum[i] ?? 0) * (sum[i] ?? 0);
  return Math.sqrt(squares);
}

/** Little-endian float64 bytes of a sum (a copy). */
export function float64ToBytes(sum: ArrayLike<number>): Uint8Array {
  // slice() is a memcpy; Float64Array.from walks an iterator (as in float32ToBytes).
  const floats = sum instanceof Float64Array ? sum.slice() : Float64Array.from(sum);
  if (littleEndianHost) return new Uint8Array(floats.buffer);
  const out = new Uint8Array(floats.length * 8);
  const view = new DataView(out.buffer);
  for (let i = 0; i < floats.length; i++) view.setFloat64(i * 8, floats[i] ?? 0, true);
  return out;
}

/** A sum from little-endian float64 bytes; throws when the length is not a multiple of 8. */
export function bytesToFloat64(bytes: Uint8Array): SampleSum {
  if (bytes.byteLength % 8 !== 0)
    throw new RangeError(`float64 bytes must be a multiple of 8, got ${bytes.byteLength}`);
  const out = new Float64Array(bytes.byteLength / 8);
  if (littleEndianHost) {
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(i * 8, true);
  return out;
}

/** What an enrolment adds to a speaker: the sum of its new unit samples and how many there were. */
export interface EnrolmentDelta {
  speakerId: string;
  /** The name a speaker the edge does not hold (or holds deleted) is created with. */
  name: string;
  acousticFeatures: unknown;
  sampleSum: ArrayLike<number>;
  samples: number;
}

const encoder = new TextEncoder();

/**
 * Hash of an enrolment delta, so the edge can check the upload as it checks a profile:
 * "voicesync/enrolment/v1" NUL speakerId NUL name NUL dim(u32 LE) sum(float64 LE x dim)
 * samples(decimal) NUL canonicalJson(acousticFeatures ?? null).
 */
export async function enrolmentHash(delta: EnrolmentDelta): Promise<string> {
  const head = encoder.encode(`voicesync/enrolment/v1\0${delta.speakerId}\0${delta.name}\0`);
  const dim = new Uint8Array(4);
  new DataView(dim.buffer).setUint32(0, delta.sampleSum.length, true);
  const sum = float64ToBytes(delta.sampleSum);
  const tail = encoder.encode(`${delta.samples}\0${canonicalJson(delta.acousticFeatures ?? null)}`);
  const bytes = new Uint8Array(head.length + 4 + sum.length + tail.length);
  bytes.set(head, 0);
  bytes.set(dim, head.length);
  bytes.set(sum, head.length + 4);
  bytes.set(tail, head.length + 4 + sum.length);
  return bytesToHex(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)));
}

function unitFloat64(vector: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(vector);
  let squares = 0;
  for (let i = 0; i < out.length; i++) squares += (out[i] ?? 0) * (out[i] ?? 0);
  const norm = Math.sqrt(squares);
  if (norm > 0) for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) / norm;
  return out;
}

function addInto(sum: Float64Array, add: ArrayLike<number>): void {
  for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] ?? 0) + (add[i] ?? 0);
}
