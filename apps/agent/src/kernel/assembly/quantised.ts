// Scans a compact copy of the matrix (int8 with a per-row scale, or f16) for the best candidates.

// Scores here only rank candidates: the host re-scores every candidate with the exact f32 dot.
// The memory is shared (SharedArrayBuffer), so worker threads scan disjoint row ranges of one copy.

// Keeps scores[0..size) sorted best-first; rows arrive in ascending order, so ties keep lower rows first.
function offer(indices: usize, scores: usize, size: i32, k: i32, row: i32, score: f32): i32 {
  let i = size < k ? size : k - 1;
  if (size === k && !(score > load<f32>(scores + ((<usize>i) << 2)))) return size;
  while (i > 0) {
    const above = load<f32>(scores + ((<usize>(i - 1)) << 2));
    if (!(above < score)) break;
    store<f32>(scores + ((<usize>i) << 2), above);
    store<i32>(indices + ((<usize>i) << 2), load<i32>(indices + ((<usize>(i - 1)) << 2)));
    i--;
  }
  store<f32>(scores + ((<usize>i) << 2), score);
  store<i32>(indices + ((<usize>i) << 2), row);
  return size < k ? size + 1 : size;
}

// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript @inline on a top-level function does not parse in Biome.
class Row {
  // The query arrives widened to i16, so each half of 16 row codes costs one sign extension and one
  // i32x4.dot_i16x8_s (pmaddwd): ~15% faster than i8 x i8 extmul with pairwise adds, which is what
  // counts here (the scan is bound by instructions, not memory; sign-extending 8-byte loads and a
  // 32-byte unroll both measured slower). A lane sums two products of at most 127 x 127: no overflow.
  @inline static dotI8(rowPtr: usize, queryPtr: usize, dim: usize): i32 {
    let a0 = i32x4.splat(0);
    let a1 = i32x4.splat(0);
    // dim is a multiple of 16 (the host pads codes with zeros).
    for (let off: usize = 0; off < dim; off += 16) {
      const r = v128.load(rowPtr + off);
      const q = queryPtr + (off << 1);
      a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(r), v128.load(q)));
      a1 = i32x4.add(a1, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(r), v128.load(q, 16)));
    }
    const acc = i32x4.add(a0, a1);
    return (
      i32x4.extract_lane(acc, 0) +
      i32x4.extract_lane(acc, 1) +
      i32x4.extract_lane(acc, 2) +
      i32x4.extract_lane(acc, 3)
    );
  }

  // f16 -> f32 without a conversion instruction: place each half in the top of an i32 lane, shift the
  // exponent into place keeping the sign, and let the query (pre-scaled by 2^112) fix the exponent bias.
  @inline static dotF16(rowPtr: usize, queryPtr: usize, dim: usize): f32 {
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    const mask = i32x4.splat(0x8fffe000);
    for (let off: usize = 0; off < dim; off += 8) {
      const h = v128.load(rowPtr + (off << 1));
      const lo = v128.and(i32x4.shr_s(i32x4.shl(i32x4.extend_low_i16x8_u(h), 16), 3), mask);
      const hi = v128.and(i32x4.shr_s(i32x4.shl(i32x4.extend_high_i16x8_u(h), 16), 3), mask);
      a0 = f32x4.add(a0, f32x4.mul(lo, v128.load(queryPtr + (off << 2))));
      a1 = f32x4.add(a1, f32x4.mul(hi, v128.load(queryPtr + (off << 2), 16)));
    }
    const acc = f32x4.add(a0, a1);
    const folded = f32x4.add(acc, v128.shuffle<f32>(acc, acc, 2, 3, 0, 1));
    return f32x4.extract_lane(folded, 0) + f32x4.extract_lane(folded, 1);
  }
}

/** First byte the host may use; everything below belongs to the compiler's static data. */
export function heapBase(): usize {
  return __heap_base;
}

/**
 * Best k of rows [first, first + count) of int8 codes. A row is `stride` bytes: `dim` codes (dim a
 * multiple of 16), then its f32 scale at byte `dim`; the query codes are i16. Ranked by scale * (codes . query codes).
 */
export function topKI8(
  codesPtr: usize,
  stride: i32,
  first: i32,
  count: i32,
  dim: i32,
  queryPtr: usize,
  k: i32,
  indices: usize,
  scores: usize,
): i32 {
  let size = 0;
  let worst = f32.NEGATIVE_INFINITY;
  let rowPtr = codesPtr + <usize>first * <usize>stride;
  const end = first + count;
  for (let row = first; row < end; row++) {
    const score = <f32>Row.dotI8(rowPtr, queryPtr, <usize>dim) * load<f32>(rowPtr + <usize>dim);
    if (size < k || score > worst) {
      size = offer(indices, scores, size, k, row, score);
      if (size === k) worst = load<f32>(scores + ((<usize>(k - 1)) << 2));
    }
    rowPtr += <usize>stride;
  }
  return size;
}

/** Best k of rows [first, first + count) of f16 rows (dim a multiple of 8); the f32 query is scaled by 2^112. */
export function topKF16(
  codesPtr: usize,
  first: i32,
  count: i32,
  dim: i32,
  queryPtr: usize,
  k: i32,
  indices: usize,
  scores: usize,
): i32 {
  let size = 0;
  let worst = f32.NEGATIVE_INFINITY;
  const bytes = (<usize>dim) << 1;
  let rowPtr = codesPtr + <usize>first * bytes;
  const end = first + count;
  for (let row = first; row < end; row++) {
    const score = Row.dotF16(rowPtr, queryPtr, <usize>dim);
    if (size < k || score > worst) {
      size = offer(indices, scores, size, k, row, score);
      if (size === k) worst = load<f32>(scores + ((<usize>(k - 1)) << 2));
    }
    rowPtr += bytes;
  }
  return size;
}

/**
 * Rows of [first, first + count) whose int8 score is at least `threshold`, in ascending order: the
 * second pass when the first one's candidates cannot prove they hold the exact top-k. Writes at most
 * `cap` rows to `out` and returns how many rows qualified (more than `cap` means some are missing).
 */
export function aboveI8(
  codesPtr: usize,
  stride: i32,
  first: i32,
  count: i32,
  dim: i32,
  queryPtr: usize,
  threshold: f32,
  cap: i32,
  out: usize,
): i32 {
  let found = 0;
  let rowPtr = codesPtr + <usize>first * <usize>stride;
  const end = first + count;
  for (let row = first; row < end; row++) {
    const score = <f32>Row.dotI8(rowPtr, queryPtr, <usize>dim) * load<f32>(rowPtr + <usize>dim);
    if (score >= threshold) {
      if (found < cap) store<i32>(out + ((<usize>found) << 2), row);
      found++;
    }
    rowPtr += <usize>stride;
  }
  return found;
}

export { encodeI8 } from './encode';
