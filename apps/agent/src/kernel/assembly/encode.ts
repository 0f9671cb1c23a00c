// The int8 encoding of unit rows: the only implementation, run by QuantisedRows.set on the main thread
// and by the preload readers in their worker threads, so a row encodes to the same bytes either way.

// Math.round(x) exactly: the nearest integer, halves towards +infinity. x - floor(x) is exact for every
// double, so the comparison with 0.5 is too (floor(x + 0.5) is not: 0.5 - 2^-54 would round up).
// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript @inline on a top-level function does not parse in Biome.
class Lanes {
  @inline static round(x: v128): v128 {
    const whole = f64x2.floor(x);
    const up = f64x2.ge(f64x2.sub(x, whole), f64x2.splat(0.5));
    return f64x2.add(whole, v128.and(up, f64x2.splat(1.0)));
  }

  // The four f32 values at p as two f64x2.
  @inline static low(p: usize): v128 {
    return f64x2.promote_low_f32x4(v128.load(p));
  }

  @inline static high(p: usize): v128 {
    return f64x2.promote_low_f32x4(v128.load64_zero(p + 8));
  }
}

/**
 * Encodes `count` rows of `dim` f32 values (dim a multiple of 4), row i at `values` + i x dim x 4:
 *
 * - with `normalise`, scales each row to unit length in place exactly as l2normalize does (the float64
 *   sum of squares in index order, its square root, each value / norm rounded to f32), and stops at
 *   the first row whose sum is not finite or is zero, returning its index;
 * - writes the int8 codes Math.round(x / scale) of row i at `codes` + i x stride and the f32 scale
 *   (max|x| / 127, or 1 for a zero row) right after `paddedDim` code bytes; padding is not written;
 * - stores at `out` the largest stored scale (f64) and at `out` + 8 the largest residual
 *   |x - code x stored scale| (its float64 squares summed in four interleaved lanes).
 *
 * Returns -1 when every row was encoded. Two lanes of float64 at a time, the arithmetic of the JS it
 * replaced: 1.4x faster than that JS on random rows (normalise and encode, one thread).
 */
export function encodeI8(
  values: usize,
  count: i32,
  dim: i32,
  normalise: i32,
  codes: usize,
  stride: i32,
  paddedDim: i32,
  out: usize,
): i32 {
  const width = <usize>dim;
  let maxScale: f64 = 0;
  let maxResidual: f64 = 0;
  for (let row = 0; row < count; row++) {
    const v = values + <usize>row * (width << 2);
    // max|unit| is fround(max|value| / norm): division by a positive number and rounding keep order.
    let top = f32x4.splat(0);
    let sum: f64 = 0;
    for (let j: usize = 0; j < width; j += 4) {
      const four = v128.load(v + (j << 2));
      top = f32x4.max(top, f32x4.abs(four));
      if (normalise) {
        const lo = f64x2.promote_low_f32x4(four);
        const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(four, four, 2, 3, 2, 3));
        const sLo = f64x2.mul(lo, lo);
        const sHi = f64x2.mul(hi, hi);
        sum += f64x2.extract_lane(sLo, 0);
        sum += f64x2.extract_lane(sLo, 1);
        sum += f64x2.extract_lane(sHi, 0);
        sum += f64x2.extract_lane(sHi, 1);
      }
    }
    const halves = f32x4.max(top, v128.shuffle<f32>(top, top, 2, 3, 0, 1));
    let largest = <f64>max<f32>(f32x4.extract_lane(halves, 0), f32x4.extract_lane(halves, 1));
    let norm: f64 = 1;
    if (normalise) {
      // biome-ignore lint/suspicious/noGlobalIsFinite: AssemblyScript's isFinite<f64> builtin, not the global.
      if (!isFinite(sum) || sum === 0) {
        store<f64>(out, maxScale);
        store<f64>(out, maxResidual, 8);
        return row;
      }
      norm = Math.sqrt(sum);
      largest = <f64>(<f32>(largest / norm));
    }
    const norms = f64x2.splat(norm);
    const scale: f64 = largest === 0 ? 1 : largest / 127;
    const inverse = f64x2.splat(1 / scale);
    const stored = <f32>scale;
    const storedLanes = f64x2.splat(<f64>stored);
    const c = codes + <usize>row * <usize>stride;
    let a0 = f64x2.splat(0);
    let a1 = f64x2.splat(0);
    for (let j: usize = 0; j < width; j += 4) {
      const p = v + (j << 2);
      let lo = Lanes.low(p);
      let hi = Lanes.high(p);
      if (normalise) {
        // Each value / norm rounded to f32, as l2normalize stores it; the unit row replaces the values.
        const unit = v128.shuffle<f32>(
          f32x4.demote_f64x2_zero(f64x2.div(lo, norms)),
          f32x4.demote_f64x2_zero(f64x2.div(hi, norms)),
          0,
          1,
          4,
          5,
        );
        v128.store(p, unit);
        lo = f64x2.promote_low_f32x4(unit);
        hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(unit, unit, 2, 3, 2, 3));
      }
      const codeLo = Lanes.round(f64x2.mul(lo, inverse));
      const codeHi = Lanes.round(f64x2.mul(hi, inverse));
      const dLo = f64x2.sub(lo, f64x2.mul(codeLo, storedLanes));
      const dHi = f64x2.sub(hi, f64x2.mul(codeHi, storedLanes));
      a0 = f64x2.add(a0, f64x2.mul(dLo, dLo));
      a1 = f64x2.add(a1, f64x2.mul(dHi, dHi));
      // code + 1.5 x 2^52 holds the integer code in its low 32 bits (|code| <= 127).
      const words = v128.shuffle<i32>(
        f64x2.add(codeLo, f64x2.splat(6755399441055744.0)),
        f64x2.add(codeHi, f64x2.splat(6755399441055744.0)),
        0,
        2,
        4,
        6,
      );
      const shorts = i16x8.narrow_i32x4_s(words, words);
      store<i32>(c + j, i32x4.extract_lane(i8x16.narrow_i16x8_s(shorts, shorts), 0));
    }
    store<f32>(c + <usize>paddedDim, stored);
    const sums = f64x2.add(a0, a1);
    const residual = Math.sqrt(f64x2.extract_lane(sums, 0) + f64x2.extract_lane(sums, 1));
    if (<f64>stored > maxScale) maxScale = <f64>stored;
    if (residual > maxResidual) maxResidual = residual;
  }
  store<f64>(out, maxScale);
  store<f64>(out, maxResidual, 8);
  return -1;
}
