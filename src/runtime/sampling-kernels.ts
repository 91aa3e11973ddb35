/**
 * The sampler's inner loops, kept apart from its options and state: a
 * table-based exp for non-positive arguments, argmax, a heap-based top-k and
 * the partial sort that finds a nucleus without sorting the vocabulary.
 *
 * @module
 * @internal
 */

/** 2^32: turns a 32-bit random word into a float in [0, 1). */
export const TWO_POW_32 = 4294967296;
/**
 * Tokens more than this many nats (after temperature) below the best one are
 * dropped: e^-40 is under 5e-18 of the best token's weight, so even 10^5 of
 * them hold less mass than one step of the 32-bit uniform draw can resolve.
 */
export const EXP_FLOOR = -40;
/** Steps per octave of the exp table. */
const EXP_STEPS = 64;
const EXP_SCALE = EXP_STEPS / Math.LN2;
const EXP_STEP = Math.LN2 / EXP_STEPS;
/** Index of a float64's high (sign, exponent, top mantissa) 32-bit word in a Uint32Array view. */
export const HIGH_WORD = new Uint32Array(new Float64Array([1]).buffer)[1] === 0x3ff00000 ? 1 : 0;
/** High word of 1.0; weights are at most 1. */
const ONE_HIGH = 0x3ff00000;
/** Log-scale buckets of the nucleus histogram: 64 per octave down to the exp floor (2^-58). */
export const BUCKETS = 64 * 59;
/** 2^(-i/64) for i down to the floor: 30 KB, one lookup per exp. */
const EXP_TABLE = Float64Array.from({ length: Math.ceil(-EXP_FLOOR * EXP_SCALE) + 2 }, (_, i) => 2 ** (-i / EXP_STEPS));

/**
 * e^x for x in [EXP_FLOOR, 0] with relative error below 1e-10, about four
 * times as fast as Math.exp, which dominates a full-vocabulary draw: a table
 * step of ln2/64 leaves |r| < 0.0055, where a cubic is exact to float64 noise.
 */
export function expNonPositive(x: number): number {
  const k = (x * EXP_SCALE - 0.5) | 0; // rounds to nearest for x <= 0
  const r = x - k * EXP_STEP;
  return EXP_TABLE[-k]! * (1 + r * (1 + r * (0.5 + r * (1 / 6))));
}

/** Index of the largest score, the lowest index among equals; NaN never wins. */
export function argmax(scores: Float32Array): number {
  let best = -1;
  let bestV = -Infinity;
  for (let i = 0; i < scores.length; i++) {
    const v = scores[i]!;
    if (v > bestV) {
      bestV = v;
      best = i;
    }
  }
  if (best < 0) throw new RangeError('every logit is NaN or -Infinity: there is no token to pick');
  return best;
}

/**
 * Fill `ids`/`vals` with the k best (score desc, id asc) entries, in heap
 * order; returns how many were found (fewer than k when some are masked).
 */
export function selectTopK(scores: Float32Array, k: number, ids: Int32Array, vals: Float64Array): number {
  let size = 0;
  for (let i = 0; i < scores.length; i++) {
    const v = scores[i]!;
    if (!(v > -Infinity)) continue;
    if (size < k) {
      // sift up: a min-heap whose root is the worst kept entry
      let c = size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!worse(v, i, vals[p]!, ids[p]!)) break;
        ids[c] = ids[p]!;
        vals[c] = vals[p]!;
        c = p;
      }
      ids[c] = i;
      vals[c] = v;
    } else if (v > vals[0]!) {
      // Later ids lose ties, so only a strictly larger score replaces the root.
      let c = 0;
      for (;;) {
        const l = 2 * c + 1;
        if (l >= size) break;
        const r = l + 1;
        const m = r < size && worse(vals[r]!, ids[r]!, vals[l]!, ids[l]!) ? r : l;
        if (!worse(vals[m]!, ids[m]!, v, i)) break;
        ids[c] = ids[m]!;
        vals[c] = vals[m]!;
        c = m;
      }
      ids[c] = i;
      vals[c] = v;
    }
  }
  return size;
}

function worse(va: number, ia: number, vb: number, ib: number): boolean {
  return va < vb || (va === vb && ia > ib);
}

/** Log-scale bucket of a weight in (0, 1] from its float64 high word: 64 per octave. */
export function bucketOf(high: number): number {
  const b = (ONE_HIGH - high) >> 14;
  return b < BUCKETS ? b : BUCKETS - 1;
}

/**
 * Order enough of [lo, hi) (weight desc, id asc) that its first entries reach
 * `target` mass; returns where that prefix ends and its mass. Quickselect on
 * the mass, so it stays linear even when every candidate weighs the same.
 */
export function selectPrefix(ids: Int32Array, w: Float64Array, lo: number, hi: number, target: number): { end: number; mass: number } {
  let acc = 0;
  // [start, lo) is surely in, [hi, end) surely out.
  while (hi - lo > 16) {
    const p = partition(ids, w, lo, hi);
    let better = 0;
    for (let i = lo; i < p; i++) better += w[i]!;
    if (acc + better >= target) {
      hi = p;
    } else {
      acc += better + w[p]!;
      if (acc >= target) return { end: p + 1, mass: acc };
      lo = p + 1;
    }
  }
  insertionSort(ids, w, lo, hi);
  for (let i = lo; i < hi; i++) {
    acc += w[i]!;
    if (acc >= target) return { end: i + 1, mass: acc };
  }
  return { end: hi, mass: acc };
}

/** Lomuto partition of [lo, hi) around a median-of-three pivot; returns the pivot's final index. */
function partition(ids: Int32Array, w: Float64Array, lo: number, hi: number): number {
  const mid = (lo + hi) >> 1;
  const last = hi - 1;
  // Order lo, mid, last so that the median lands on `last`.
  if (before(w, ids, mid, lo)) swap(ids, w, mid, lo);
  if (before(w, ids, last, lo)) swap(ids, w, last, lo);
  if (before(w, ids, mid, last)) swap(ids, w, mid, last);
  const pv = w[last]!;
  const pi = ids[last]!;
  let store = lo;
  for (let i = lo; i < last; i++) {
    const v = w[i]!;
    if (v > pv || (v === pv && ids[i]! < pi)) swap(ids, w, i, store++);
  }
  swap(ids, w, store, last);
  return store;
}

function before(w: Float64Array, ids: Int32Array, a: number, b: number): boolean {
  const va = w[a]!;
  const vb = w[b]!;
  return va > vb || (va === vb && ids[a]! < ids[b]!);
}

function swap(ids: Int32Array, w: Float64Array, a: number, b: number): void {
  const t = ids[a]!;
  ids[a] = ids[b]!;
  ids[b] = t;
  const u = w[a]!;
  w[a] = w[b]!;
  w[b] = u;
}

function insertionSort(ids: Int32Array, w: Float64Array, lo: number, hi: number): void {
  for (let i = lo + 1; i < hi; i++) {
    const v = w[i]!;
    const id = ids[i]!;
    let j = i - 1;
    while (j >= lo && (w[j]! < v || (w[j] === v && ids[j]! > id))) {
      w[j + 1] = w[j]!;
      ids[j + 1] = ids[j]!;
      j--;
    }
    w[j + 1] = v;
    ids[j + 1] = id;
  }
}
