// Scores a row-major f32 matrix in linear memory against one query and keeps the k best, all inside wasm.

// Every score is reduced as (l0 + l2) + (l1 + l3) over its four lane sums, in the 4-row block and in
// `dot` alike, so a row gets the bit-identical score whichever path scored it.
@inline function reduce(acc: v128): f32 {
  const folded = f32x4.add(acc, v128.shuffle<f32>(acc, acc, 2, 3, 0, 1));
  return f32x4.extract_lane(folded, 0) + f32x4.extract_lane(folded, 1);
}

@inline function reduce4(a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  const u0 = f32x4.add(v128.shuffle<f32>(a0, a1, 0, 1, 4, 5), v128.shuffle<f32>(a0, a1, 2, 3, 6, 7));
  const u1 = f32x4.add(v128.shuffle<f32>(a2, a3, 0, 1, 4, 5), v128.shuffle<f32>(a2, a3, 2, 3, 6, 7));
  return f32x4.add(v128.shuffle<f32>(u0, u1, 0, 2, 4, 6), v128.shuffle<f32>(u0, u1, 1, 3, 5, 7));
}

// Keeps scores[0..size) sorted best-first; a newcomer goes after equal scores, and rows arrive in
// ascending order, so ties stay ordered by lower row index. Returns the new size.
function offer(indices: usize, scores: usize, size: i32, k: i32, row: i32, score: f32): i32 {
  let i = size < k ? size : k - 1;
  if (size == k && !(score > load<f32>(scores + (<usize>i << 2)))) return size;
  while (i > 0) {
    const above = load<f32>(scores + (<usize>(i - 1) << 2));
    if (!(above < score)) break;
    store<f32>(scores + (<usize>i << 2), above);
    store<i32>(indices + (<usize>i << 2), load<i32>(indices + (<usize>(i - 1) << 2)));
    i--;
  }
  store<f32>(scores + (<usize>i << 2), score);
  store<i32>(indices + (<usize>i << 2), row);
  return size < k ? size + 1 : size;
}

/** First byte the host may use; everything below belongs to the compiler's static data. */
export function heapBase(): usize {
  return __heap_base;
}

/** Dot product of one row with the query; `dim` is a multiple of 4. */
export function dot(rowPtr: usize, queryPtr: usize, dim: i32): f32 {
  const bytes = (<usize>dim) << 2;
  let acc = f32x4.splat(0);
  for (let off: usize = 0; off < bytes; off += 16) {
    acc = f32x4.add(acc, f32x4.mul(v128.load(rowPtr + off), v128.load(queryPtr + off)));
  }
  return reduce(acc);
}

/**
 * Writes the best min(k, rows) rows by dot product to indices/scores (best first) and returns how many.
 * Four rows share each query load; a block whose four scores all miss the current k-th best skips the
 * insertion entirely, which is nearly every block once the buffer is full.
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
  const stride = (<usize>dim) << 2;
  let size = 0;
  let worst = f32.NEGATIVE_INFINITY;
  let row = 0;
  for (; row + 4 <= rows; row += 4) {
    const r0 = matrixPtr + <usize>row * stride;
    const r1 = r0 + stride;
    const r2 = r1 + stride;
    const r3 = r2 + stride;
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    for (let off: usize = 0; off < stride; off += 16) {
      const q = v128.load(queryPtr + off);
      a0 = f32x4.add(a0, f32x4.mul(v128.load(r0 + off), q));
      a1 = f32x4.add(a1, f32x4.mul(v128.load(r1 + off), q));
      a2 = f32x4.add(a2, f32x4.mul(v128.load(r2 + off), q));
      a3 = f32x4.add(a3, f32x4.mul(v128.load(r3 + off), q));
    }
    const block = reduce4(a0, a1, a2, a3);
    if (size < k || v128.any_true(f32x4.gt(block, f32x4.splat(worst)))) {
      size = offer(indices, scores, size, k, row, f32x4.extract_lane(block, 0));
      size = offer(indices, scores, size, k, row + 1, f32x4.extract_lane(block, 1));
      size = offer(indices, scores, size, k, row + 2, f32x4.extract_lane(block, 2));
      size = offer(indices, scores, size, k, row + 3, f32x4.extract_lane(block, 3));
      if (size == k) worst = load<f32>(scores + (<usize>(k - 1) << 2));
    }
  }
  for (; row < rows; row++) {
    size = offer(indices, scores, size, k, row, dot(matrixPtr + <usize>row * stride, queryPtr, dim));
  }
  return size;
}
