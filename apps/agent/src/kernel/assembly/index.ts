// Scores a row-major f32 matrix in linear memory against one query and keeps the k best, all inside wasm.

// Rows are scanned one at a time, front to back: a single sequential stream is what the hardware
// prefetcher follows best. Interleaving 4 rows to share query loads measured 1.7-3x slower at 100k rows.
// Inlining into the scan loop is worth 5-15%; @inline is valid TS syntax only on a class member.
// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript @inline on a top-level function does not parse in Biome.
class Row {
  @inline static dot(rowPtr: usize, queryPtr: usize, bytes: usize): f32 {
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    const body = bytes & ~(<usize>63);
    let off: usize = 0;
    // One cache line per iteration into four independent accumulators, so adds do not wait on each other.
    for (; off < body; off += 64) {
      a0 = f32x4.add(a0, f32x4.mul(v128.load(rowPtr + off), v128.load(queryPtr + off)));
      a1 = f32x4.add(a1, f32x4.mul(v128.load(rowPtr + off, 16), v128.load(queryPtr + off, 16)));
      a2 = f32x4.add(a2, f32x4.mul(v128.load(rowPtr + off, 32), v128.load(queryPtr + off, 32)));
      a3 = f32x4.add(a3, f32x4.mul(v128.load(rowPtr + off, 48), v128.load(queryPtr + off, 48)));
    }
    // dim is a multiple of 4 but need not be one of 16: up to three vectors remain.
    if (off < bytes) a0 = f32x4.add(a0, f32x4.mul(v128.load(rowPtr + off), v128.load(queryPtr + off)));
    if (off + 16 < bytes)
      a1 = f32x4.add(a1, f32x4.mul(v128.load(rowPtr + off, 16), v128.load(queryPtr + off, 16)));
    if (off + 32 < bytes)
      a2 = f32x4.add(a2, f32x4.mul(v128.load(rowPtr + off, 32), v128.load(queryPtr + off, 32)));
    const acc = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
    const folded = f32x4.add(acc, v128.shuffle<f32>(acc, acc, 2, 3, 0, 1));
    return f32x4.extract_lane(folded, 0) + f32x4.extract_lane(folded, 1);
  }
}

// Keeps scores[0..size) sorted best-first; a newcomer goes after equal scores, and rows arrive in
// ascending order, so ties stay ordered by lower row index. Returns the new size.
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

/** First byte the host may use; everything below belongs to the compiler's static data. */
export function heapBase(): usize {
  return __heap_base;
}

/** Dot product of one row with the query; `dim` is a multiple of 4. Bit-identical to its topK score. */
export function dot(rowPtr: usize, queryPtr: usize, dim: i32): f32 {
  return Row.dot(rowPtr, queryPtr, (<usize>dim) << 2);
}

/**
 * Writes the best min(k, rows) rows by dot product to indices/scores (best first) and returns how many.
 * Once k rows are held, a row that does not beat the k-th best costs one compare.
 */
export function topK(
  matrixPtr: usize,
  rows: i32,
  dim: i32,
  queryPtr: usize,
  k: i32,
  indices: usize,
  scores: usize,
): i32 {
  if (k <= 0) return 0;
  const bytes = (<usize>dim) << 2;
  let size = 0;
  let worst = f32.NEGATIVE_INFINITY;
  let rowPtr = matrixPtr;
  for (let row = 0; row < rows; row++) {
    const score = Row.dot(rowPtr, queryPtr, bytes);
    if (size < k || score > worst) {
      size = offer(indices, scores, size, k, row, score);
      if (size === k) worst = load<f32>(scores + ((<usize>(k - 1)) << 2));
    }
    rowPtr += bytes;
  }
  return size;
}
