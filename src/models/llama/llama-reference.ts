import { checkLlamaWeights, llamaDims, validateLlamaConfig } from './config.js';
import type { LlamaConfig, LlamaWeights } from './config.js';

/**
 * The llama forward pass in plain TypeScript, one token at a time with a KV
 * cache: the oracle our TFLite graphs are tested against. It follows
 * llama2.c's `forward()` step by step; sums are accumulated in float64, and
 * the RoPE angles are computed in float32 exactly as run.c does, so greedy
 * decoding agrees with llama2.c's `run` on real checkpoints.
 *
 * Buffers are allocated once in the constructor; `forward` allocates only the
 * logits array it returns.
 *
 * @example
 * ```ts
 * const ref = new LlamaReference(config, weights);
 * let token = 1; // BOS
 * for (let pos = 0; pos < 16; pos++) {
 *   const logits = ref.forward(token, pos);
 *   token = logits.indexOf(Math.max(...logits));
 * }
 * ```
 */
export class LlamaReference {
  /** The hyper-parameters this model was built with. */
  readonly config: LlamaConfig;
  readonly #w: LlamaWeights;
  readonly #headSize: number;
  readonly #kvDim: number;
  readonly #kvMul: number;
  readonly #eps: number;
  /** RoPE frequency of each pair within a head, rounded to float32 like run.c's `powf`. */
  readonly #freqs: Float32Array;
  readonly #x: Float32Array;
  readonly #xb: Float32Array;
  readonly #xb2: Float32Array;
  readonly #hb: Float32Array;
  readonly #hb2: Float32Array;
  readonly #q: Float32Array;
  readonly #k: Float32Array;
  readonly #v: Float32Array;
  readonly #att: Float32Array;
  readonly #logits: Float32Array;
  /** `[nLayers, seqLen, kvDim]` */
  readonly #keyCache: Float32Array;
  /** `[nLayers, seqLen, kvDim]` */
  readonly #valueCache: Float32Array;
  #filled = 0;

  /**
   * @param config - hyper-parameters; `normEps` defaults to 1e-5 and `ropeTheta` to 10000
   * @param weights - float32 weights matching `config` (kept by reference, not copied)
   * @throws RangeError when the config is invalid or a weight has the wrong length
   * @throws TypeError when a weight is not a Float32Array
   */
  constructor(config: LlamaConfig, weights: LlamaWeights) {
    validateLlamaConfig(config);
    checkLlamaWeights(config, weights);
    this.config = config;
    this.#w = weights;
    const { headSize, kvDim, kvMul } = llamaDims(config);
    this.#headSize = headSize;
    this.#kvDim = kvDim;
    this.#kvMul = kvMul;
    this.#eps = config.normEps ?? 1e-5;
    const theta = Math.fround(config.ropeTheta ?? 10000);
    this.#freqs = new Float32Array(headSize / 2);
    for (let j = 0; j < headSize / 2; j++) {
      this.#freqs[j] = 1 / Math.fround(Math.pow(theta, Math.fround((2 * j) / headSize)));
    }
    const { dim, hiddenDim, nLayers, seqLen, vocabSize } = config;
    this.#x = new Float32Array(dim);
    this.#xb = new Float32Array(dim);
    this.#xb2 = new Float32Array(dim);
    this.#hb = new Float32Array(hiddenDim);
    this.#hb2 = new Float32Array(hiddenDim);
    this.#q = new Float32Array(dim);
    this.#k = new Float32Array(kvDim);
    this.#v = new Float32Array(kvDim);
    this.#att = new Float32Array(seqLen);
    this.#logits = new Float32Array(vocabSize);
    this.#keyCache = new Float32Array(nLayers * seqLen * kvDim);
    this.#valueCache = new Float32Array(nLayers * seqLen * kvDim);
  }

  /** Number of positions held in the KV cache: the next `pos` to run. */
  get position(): number {
    return this.#filled;
  }

  /**
   * Run one token at one position and return the next-token logits.
   *
   * Positions must be run in order from 0; running an earlier position again
   * rewinds the cache to it (later positions are forgotten).
   *
   * @param token - token id in `[0, vocabSize)`
   * @param pos - position in `[0, min(seqLen - 1, position)]`
   * @returns a fresh `Float32Array` of `vocabSize` logits, owned by the caller
   * @throws RangeError when `token` or `pos` is out of range or `pos` skips positions
   */
  forward(token: number, pos: number): Float32Array {
    const { dim, hiddenDim, nLayers, nHeads, seqLen, vocabSize } = this.config;
    if (!Number.isInteger(token) || token < 0 || token >= vocabSize) {
      throw new RangeError(`token must be an integer in [0, ${vocabSize}), found ${token}`);
    }
    if (!Number.isInteger(pos) || pos < 0 || pos >= seqLen) {
      throw new RangeError(`pos must be an integer in [0, ${seqLen}) (seqLen), found ${pos}`);
    }
    if (pos > this.#filled) {
      throw new RangeError(`pos ${pos} skips positions: the KV cache holds ${this.#filled}; run positions in order`);
    }
    const w = this.#w;
    const x = this.#x;
    const xb = this.#xb;
    const q = this.#q;
    const k = this.#k;
    const v = this.#v;
    const att = this.#att;
    const headSize = this.#headSize;
    const kvDim = this.#kvDim;
    const kvMul = this.#kvMul;
    const keyCache = this.#keyCache;
    const valueCache = this.#valueCache;

    x.set(w.tokenEmbedding.subarray(token * dim, (token + 1) * dim));

    for (let l = 0; l < nLayers; l++) {
      const layer = w.layers[l]!;

      // attention: norm, q/k/v projections, RoPE on q and k
      rmsnorm(xb, x, layer.attnNorm, this.#eps);
      matmul(q, xb, layer.wq);
      matmul(k, xb, layer.wk);
      matmul(v, xb, layer.wv);
      this.#rope(pos);

      const layerOffset = l * seqLen * kvDim;
      keyCache.set(k, layerOffset + pos * kvDim);
      valueCache.set(v, layerOffset + pos * kvDim);

      // each query head attends over positions 0..pos of its key/value head
      const scale = 1 / Math.sqrt(headSize);
      for (let h = 0; h < nHeads; h++) {
        const qOffset = h * headSize;
        const kvOffset = layerOffset + Math.floor(h / kvMul) * headSize;
        for (let t = 0; t <= pos; t++) {
          const kOffset = kvOffset + t * kvDim;
          let score = 0;
          for (let i = 0; i < headSize; i++) score += q[qOffset + i]! * keyCache[kOffset + i]!;
          att[t] = score * scale;
        }
        softmax(att, pos + 1);
        for (let i = 0; i < headSize; i++) {
          let sum = 0;
          for (let t = 0; t <= pos; t++) sum += att[t]! * valueCache[kvOffset + t * kvDim + i]!;
          xb[qOffset + i] = sum;
        }
      }
      matmul(this.#xb2, xb, layer.wo);
      addInto(x, this.#xb2);

      // feed-forward: norm, SwiGLU (silu(w1 x) * w3 x), down projection
      rmsnorm(xb, x, layer.ffnNorm, this.#eps);
      matmul(this.#hb, xb, layer.w1);
      matmul(this.#hb2, xb, layer.w3);
      const hb = this.#hb;
      const hb2 = this.#hb2;
      for (let i = 0; i < hiddenDim; i++) {
        const g = hb[i]!;
        hb[i] = (g / (1 + Math.exp(-g))) * hb2[i]!;
      }
      matmul(xb, hb, layer.w2);
      addInto(x, xb);
    }

    rmsnorm(x, x, w.finalNorm, this.#eps);
    matmul(this.#logits, x, w.classifier ?? w.tokenEmbedding);
    this.#filled = pos + 1;
    return this.#logits.slice();
  }

  /** Forget the KV cache: the next call must be at position 0. */
  reset(): void {
    this.#filled = 0;
  }

  /**
   * Rotate adjacent pairs (i, i+1) of q (all heads) and k (i < kvDim) by
   * `pos * freq`, with run.c's float32 rounding of the angle and its cos/sin.
   */
  #rope(pos: number): void {
    const q = this.#q;
    const k = this.#k;
    const dim = this.config.dim;
    for (let i = 0; i < dim; i += 2) {
      const angle = Math.fround(pos * this.#freqs[(i % this.#headSize) / 2]!);
      const cos = Math.fround(Math.cos(angle));
      const sin = Math.fround(Math.sin(angle));
      const q0 = q[i]!;
      const q1 = q[i + 1]!;
      q[i] = q0 * cos - q1 * sin;
      q[i + 1] = q0 * sin + q1 * cos;
      if (i < this.#kvDim) {
        const k0 = k[i]!;
        const k1 = k[i + 1]!;
        k[i] = k0 * cos - k1 * sin;
        k[i + 1] = k0 * sin + k1 * cos;
      }
    }
  }
}

/** `out = weight * x / sqrt(mean(x^2) + eps)`; `out` may be `x`. */
function rmsnorm(out: Float32Array, x: Float32Array, weight: Float32Array, eps: number): void {
  const n = x.length;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += x[i]! * x[i]!;
  const scale = 1 / Math.sqrt(ss / n + eps);
  for (let i = 0; i < n; i++) out[i] = weight[i]! * (scale * x[i]!);
}

/** In-place softmax over the first `size` entries. */
function softmax(x: Float32Array, size: number): void {
  let max = x[0]!;
  for (let i = 1; i < size; i++) if (x[i]! > max) max = x[i]!;
  let sum = 0;
  for (let i = 0; i < size; i++) {
    const e = Math.exp(x[i]! - max);
    x[i] = e;
    sum += e;
  }
  for (let i = 0; i < size; i++) x[i] = x[i]! / sum;
}

/** `out[d] = W[d, n] @ x[n]`, W row-major with `out.length` rows. */
function matmul(out: Float32Array, x: Float32Array, w: Float32Array): void {
  const n = x.length;
  const d = out.length;
  for (let i = 0; i < d; i++) {
    const row = i * n;
    let sum = 0;
    for (let j = 0; j < n; j++) sum += w[row + j]! * x[j]!;
    out[i] = sum;
  }
}

function addInto(a: Float32Array, b: Float32Array): void {
  for (let i = 0; i < a.length; i++) a[i] = a[i]! + b[i]!;
}
