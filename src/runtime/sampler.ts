import { BUCKETS, EXP_FLOOR, HIGH_WORD, TWO_POW_32, argmax, bucketOf, expNonPositive, selectPrefix, selectTopK } from './sampling-kernels.js';

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
