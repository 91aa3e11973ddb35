/**
 * Seeded randomness for training: the same seed gives the same weights and
 * the same data order on every platform, which is what makes a run
 * reproducible and a resumed run identical to an uninterrupted one.
 */

/** A stream of floats in `[0, 1)`. */
export type RandomStream = () => number;

/**
 * mulberry32: a small 32-bit generator, plenty for initial weights and
 * shuffles (not for anything secret).
 *
 * @param seed - any integer; only its low 32 bits are used
 */
export function mulberry32(seed: number): RandomStream {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mix two integers into one seed, so that (seed, epoch) pairs give unrelated streams. */
export function mixSeed(seed: number, salt: number): number {
  let h = Math.imul((seed | 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(salt | 0, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h | 0;
}

/** `n` normally distributed floats (Box-Muller) with the given standard deviation. */
export function normalArray(random: RandomStream, n: number, std: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - random(); // (0, 1]: log is finite
    const v = random();
    const r = std * Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/** The numbers `0 .. n-1` in an order fixed by `random` (Fisher-Yates). */
export function permutation(random: RandomStream, n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}
