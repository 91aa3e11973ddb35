/**
 * Options of a {@link Sampler}. Every field is optional; the defaults sample
 * from the model's plain softmax distribution.
 */
export interface SamplerOptions {
  /** Softmax temperature, `>= 0`. Default 1; 0 means greedy argmax (lowest id on ties). */
  temperature?: number;
  /** Keep only the `topK` most likely tokens, an integer `>= 0`. Default 0 (off). */
  topK?: number;
  /** Nucleus sampling: keep the smallest set of tokens holding this probability mass, in `(0, 1]`. Default 1 (off). */
  topP?: number;
  /**
   * CTRL-style penalty, `> 0`, for tokens already in the context: positive
   * logits are divided by it, negative ones multiplied. Default 1 (off).
   */
  repetitionPenalty?: number;
  /** Seed of the sampler's own PRNG, a safe integer. Default: one picked at random (see {@link Sampler.seed}). */
  seed?: number;
}

const TWO_POW_32 = 4294967296;
/**
 * Tokens more than this many nats (after temperature) below the best one are
 * dropped: e^-40 is under 5e-18 of the best token's weight, so even 10^5 of
 * them hold less mass than one step of the 32-bit uniform draw can resolve.
 */
const EXP_FLOOR = -40;
/** Steps per octave of the exp table. */
const EXP_STEPS = 64;
const EXP_SCALE = EXP_STEPS / Math.LN2;
const EXP_STEP = Math.LN2 / EXP_STEPS;
/** Index of a float64's high (sign, exponent, top mantissa) 32-bit word in a Uint32Array view. */
const HIGH_WORD = new Uint32Array(new Float64Array([1]).buffer)[1] === 0x3ff00000 ? 1 : 0;
/** High word of 1.0; weights are at most 1. */
const ONE_HIGH = 0x3ff00000;
/** Log-scale buckets of the nucleus histogram: 64 per octave down to the exp floor (2^-58). */
const BUCKETS = 64 * 59;
/** 2^(-i/64) for i down to the floor: 30 KB, one lookup per exp. */
const EXP_TABLE = Float64Array.from({ length: Math.ceil(-EXP_FLOOR * EXP_SCALE) + 2 }, (_, i) => 2 ** (-i / EXP_STEPS));

/**
 * Picks the next token from a logits vector: greedy, temperature, top-k,
 * top-p (nucleus) and repetition penalty, with its own seeded PRNG so the
 * same seed always gives the same sequence for the same logits.
 *
 * It allocates scratch buffers once per vocabulary size and never mutates the
 * caller's logits. A draw over 32000 logits costs a fraction of a millisecond:
 * top-k keeps a heap of k entries instead of sorting, and top-p finds the
 * nucleus with a log-scale histogram and a selection inside one bucket, never
 * a full sort.
 *
 * Tokens whose logit is `NaN` or `-Infinity` are never picked (constrained
 * decoding masks tokens that way).
 *
 * @example
 * ```ts
 * const sampler = new Sampler({ temperature: 0.8, topP: 0.9, seed: 42 });
 * const next = sampler.sample(logits, tokensSoFar);
 * ```
 */
export class Sampler {
  /** The seed in use: the one given, or the one picked at random when none was. */
  readonly seed: number;
  /** The options in force, defaults filled in. */
  readonly options: Readonly<Required<Omit<SamplerOptions, 'seed'>>>;

  // xoshiro128** state
  #s0 = 0;
  #s1 = 0;
  #s2 = 0;
  #s3 = 0;

  #penalized = new Float32Array(0);
  #stamp = new Uint32Array(0);
  #generation = 0;
  #ids = new Int32Array(0);
  #weights = new Float64Array(0);
  #weightBits = new Uint32Array(0);
  #spareIds = new Int32Array(0);
  #spareWeights = new Float64Array(0);
  #bucketMass = new Float64Array(BUCKETS);

  /**
   * @param options - see {@link SamplerOptions}
   * @throws RangeError when an option is out of range or not a number
   */
  constructor(options: SamplerOptions = {}) {
    const temperature = options.temperature ?? 1;
    const topK = options.topK ?? 0;
    const topP = options.topP ?? 1;
    const repetitionPenalty = options.repetitionPenalty ?? 1;
    if (typeof temperature !== 'number' || !Number.isFinite(temperature) || temperature < 0) {
      throw new RangeError(`temperature must be a finite number >= 0, found ${String(temperature)}`);
    }
    if (typeof topK !== 'number' || !Number.isSafeInteger(topK) || topK < 0) {
      throw new RangeError(`topK must be an integer >= 0 (0 = off), found ${String(topK)}`);
    }
    if (typeof topP !== 'number' || !(topP > 0 && topP <= 1)) {
      throw new RangeError(`topP must be a number in (0, 1] (1 = off), found ${String(topP)}`);
    }
    if (typeof repetitionPenalty !== 'number' || !Number.isFinite(repetitionPenalty) || repetitionPenalty <= 0) {
      throw new RangeError(`repetitionPenalty must be a finite number > 0 (1 = off), found ${String(repetitionPenalty)}`);
    }
    if (options.seed !== undefined && (typeof options.seed !== 'number' || !Number.isSafeInteger(options.seed))) {
      throw new RangeError(`seed must be a safe integer, found ${String(options.seed)}`);
    }
    // Without a seed the caller asked for fresh randomness; Math.random only picks the seed.
    this.seed = options.seed ?? Math.floor(Math.random() * TWO_POW_32);
    this.options = Object.freeze({ temperature, topK, topP, repetitionPenalty });
    this.#seedState(this.seed);
  }

  /**
   * Pick a token id.
   *
   * @param logits - one score per vocabulary entry; not modified
   * @param context - token ids already in the context, for the repetition penalty; ignored when it is off
   * @returns a token id in `[0, logits.length)`
   * @throws RangeError when `logits` is empty, has no finite-or-`+Infinity` entry, or `context` holds an id outside the vocabulary
   */
  sample(logits: Float32Array, context?: ArrayLike<number>): number {
    const vocab = logits.length;
    if (vocab === 0) throw new RangeError('logits must not be empty');
    const { temperature, topK, topP, repetitionPenalty } = this.options;
    const scores = repetitionPenalty !== 1 && context !== undefined && context.length > 0
      ? this.#penalize(logits, context, repetitionPenalty)
      : logits;
    if (temperature === 0) return argmax(scores);
    if (this.#ids.length < vocab) {
      this.#ids = new Int32Array(vocab);
      this.#weights = new Float64Array(vocab);
      this.#weightBits = new Uint32Array(this.#weights.buffer);
      this.#spareIds = new Int32Array(vocab);
      this.#spareWeights = new Float64Array(vocab);
    }
    const ids = this.#ids;
    const w = this.#weights;
    const invT = 1 / temperature;
    let n = 0;
    let sum = 0;
    if (topK > 0 && topK < vocab) {
      const k = selectTopK(scores, topK, ids, w);
      if (k === 0) throw new RangeError('every logit is NaN or -Infinity: there is no token to sample');
      let max = -Infinity;
      for (let i = 0; i < k; i++) if (w[i]! > max) max = w[i]!;
      for (let i = 0; i < k; i++) {
        const x = max === Infinity ? (w[i] === Infinity ? 0 : -Infinity) : (w[i]! - max) * invT;
        if (x < EXP_FLOOR) continue;
        const e = expNonPositive(x);
        ids[n] = ids[i]!;
        w[n++] = e;
        sum += e;
      }
    } else {
      let max = -Infinity;
      for (let i = 0; i < vocab; i++) if (scores[i]! > max) max = scores[i]!;
      if (max === -Infinity) throw new RangeError('every logit is NaN or -Infinity: there is no token to sample');
      if (max === Infinity) {
        // Infinitely likely tokens share all the mass (Inf - Inf would be NaN below).
        for (let i = 0; i < vocab; i++) {
          if (scores[i] !== Infinity) continue;
          ids[n] = i;
          w[n++] = 1;
          sum += 1;
        }
      } else {
        for (let i = 0; i < vocab; i++) {
          const x = (scores[i]! - max) * invT; // NaN fails the test below and is skipped
          if (!(x >= EXP_FLOOR)) continue;
          const e = expNonPositive(x);
          ids[n] = i;
          w[n++] = e;
          sum += e;
        }
      }
    }
    if (topP < 1 && n > 1) {
      const kept = this.#nucleus(n, sum, topP);
      n = kept.count;
      sum = kept.mass;
    }
    const r = this.#nextFloat() * sum;
    let acc = 0;
    for (let i = 0; i < n; i++) {
      acc += w[i]!;
      if (r < acc) return ids[i]!;
    }
    return ids[n - 1]!; // rounding left r at the very top of the mass
  }

  /**
   * Move the nucleus (the smallest set of heaviest tokens, weight desc then id
   * asc, whose mass reaches `topP * sum`) to the front of the candidates.
   * Weights are in (0, 1], so the high word of each float64 is a log-scale
   * bucket (64 per octave): one histogram pass finds the bucket where the mass
   * crosses the target and only that bucket's members need ordering.
   */
  #nucleus(n: number, sum: number, topP: number): { count: number; mass: number } {
    const ids = this.#ids;
    const w = this.#weights;
    const bits = this.#weightBits;
    const mass = this.#bucketMass;
    mass.fill(0);
    for (let i = 0; i < n; i++) mass[bucketOf(bits[2 * i + HIGH_WORD]!)]! += w[i]!;
    const target = topP * sum;
    let acc = 0;
    let boundary = 0;
    while (boundary < BUCKETS - 1 && acc + mass[boundary]! < target) acc += mass[boundary++]!;
    const spareIds = this.#spareIds;
    const spareW = this.#spareWeights;
    let kept = 0;
    let spare = 0;
    for (let i = 0; i < n; i++) {
      const b = bucketOf(bits[2 * i + HIGH_WORD]!);
      if (b < boundary) {
        ids[kept] = ids[i]!;
        w[kept++] = w[i]!;
      } else if (b === boundary) {
        spareIds[spare] = ids[i]!;
        spareW[spare++] = w[i]!;
      }
    }
    ids.set(spareIds.subarray(0, spare), kept);
    w.set(spareW.subarray(0, spare), kept);
    const tail = selectPrefix(ids, w, kept, kept + spare, target - acc);
    return { count: tail.end, mass: acc + tail.mass };
  }

  #penalize(logits: Float32Array, context: ArrayLike<number>, penalty: number): Float32Array {
    const vocab = logits.length;
    if (this.#penalized.length !== vocab) {
      this.#penalized = new Float32Array(vocab);
      this.#stamp = new Uint32Array(vocab);
      this.#generation = 0;
    }
    const out = this.#penalized;
    out.set(logits);
    // A generation stamp dedupes context ids without clearing a vocab-sized set per call.
    if (++this.#generation === TWO_POW_32) {
      this.#stamp.fill(0);
      this.#generation = 1;
    }
    const gen = this.#generation;
    const stamp = this.#stamp;
    for (let i = 0; i < context.length; i++) {
      const t = context[i]!;
      if (!Number.isInteger(t) || t < 0 || t >= vocab) {
        throw new RangeError(`context[${i}] must be a token id in [0, ${vocab}), found ${t}`);
      }
      if (stamp[t] === gen) continue;
      stamp[t] = gen;
      const v = out[t]!;
      out[t] = v > 0 ? v / penalty : v * penalty;
    }
    return out;
  }

  #seedState(seed: number): void {
    // splitmix32 spreads both halves of a 53-bit seed over the 128-bit state.
    let x = (seed >>> 0) ^ Math.imul(Math.floor(seed / TWO_POW_32) >>> 0, 0x9e3779b9);
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#s0 = next();
    this.#s1 = next();
    this.#s2 = next();
    this.#s3 = next();
    if ((this.#s0 | this.#s1 | this.#s2 | this.#s3) === 0) this.#s0 = 1;
  }

  /** xoshiro128**: a uniform float in [0, 1) with 32 random bits. */
  #nextFloat(): number {
    const s0 = this.#s0;
    const s1 = this.#s1;
    const s2 = this.#s2;
    const s3 = this.#s3;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    let n2 = s2 ^ s0;
    let n3 = s3 ^ s1;
    const n1 = s1 ^ n2;
    const n0 = s0 ^ n3;
    n2 ^= t;
    n3 = (n3 << 11) | (n3 >>> 21);
    this.#s0 = n0;
    this.#s1 = n1;
    this.#s2 = n2;
    this.#s3 = n3;
    return result / TWO_POW_32;
  }
}

/**
 * e^x for x in [EXP_FLOOR, 0] with relative error below 1e-10, about four
 * times as fast as Math.exp, which dominates a full-vocabulary draw: a table
 * step of ln2/64 leaves |r| < 0.0055, where a cubic is exact to float64 noise.
 */
function expNonPositive(x: number): number {
  const k = (x * EXP_SCALE - 0.5) | 0; // rounds to nearest for x <= 0
  const r = x - k * EXP_STEP;
  return EXP_TABLE[-k]! * (1 + r * (1 + r * (0.5 + r * (1 / 6))));
}

/** Index of the largest score, the lowest index among equals; NaN never wins. */
function argmax(scores: Float32Array): number {
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
function selectTopK(scores: Float32Array, k: number, ids: Int32Array, vals: Float64Array): number {
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
function bucketOf(high: number): number {
  const b = (ONE_HIGH - high) >> 14;
  return b < BUCKETS ? b : BUCKETS - 1;
}

/**
 * Order enough of [lo, hi) (weight desc, id asc) that its first entries reach
 * `target` mass; returns where that prefix ends and its mass. Quickselect on
 * the mass, so it stays linear even when every candidate weighs the same.
 */
function selectPrefix(ids: Int32Array, w: Float64Array, lo: number, hi: number, target: number): { end: number; mass: number } {
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
