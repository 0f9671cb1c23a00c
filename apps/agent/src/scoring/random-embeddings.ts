// Reproducible random unit embeddings for property tests and the search benchmark.

/** A seeded uniform source in [0, 1) (mulberry32), so a failing case replays from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** `count` unit vectors of `dim` floats, back to back; directions are uniform on the sphere. */
export function randomEmbeddings(count: number, dim: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const out = new Float32Array(count * dim);
  for (let row = 0; row < count; row++) {
    let sumSquares = 0;
    for (let j = 0; j < dim; j += 2) {
      // Box-Muller: Gaussian coordinates make the normalised direction uniform.
      const radius = Math.sqrt(-2 * Math.log(1 - random()));
      const angle = 2 * Math.PI * random();
      const a = radius * Math.cos(angle);
      const b = radius * Math.sin(angle);
      out[row * dim + j] = a;
      out[row * dim + j + 1] = b;
      sumSquares += a * a + b * b;
    }
    const norm = Math.sqrt(sumSquares);
    for (let j = 0; j < dim; j++) out[row * dim + j] = out[row * dim + j]! / norm;
  }
  return out;
}
