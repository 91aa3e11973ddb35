import * as tf from '@tensorflow/tfjs-core';
import { checkLlamaWeights, llamaDims, validateLlamaConfig } from '../models/llama/config.js';
import type { LlamaConfig, LlamaLayerWeights, LlamaWeights } from '../models/llama/config.js';
import { mixSeed, mulberry32, normalArray } from './seeded-random.js';
import { attention, ropeTables } from './attention-js.js';
import { addSame, crossEntropy, gatherRows, linear, linearTransposed, rmsnorm, swiglu } from './tfjs-llama-ops.js';

/**
 * The trainable weights of a llama decoder as tfjs variables, laid out for
 * the WebAssembly backend: every matrix is `[in, out]`, so the forward pass
 * is `x @ w`, the fast matmul there. {@link TfjsLlama.toLlamaWeights} turns
 * them into llama2.c's `[out, in]` layout for the TFLite writer.
 */
export interface TfjsLlamaParams {
  /** `[vocabSize, dim]` */
  tokenEmbedding: tf.Variable<tf.Rank.R2>;
  /** Per block. */
  layers: Array<{
    /** `[dim]` */
    attnNorm: tf.Variable<tf.Rank.R1>;
    /** `[dim, dim]` */
    wq: tf.Variable<tf.Rank.R2>;
    /** `[dim, kvDim]` */
    wk: tf.Variable<tf.Rank.R2>;
    /** `[dim, kvDim]` */
    wv: tf.Variable<tf.Rank.R2>;
    /** `[dim, dim]` */
    wo: tf.Variable<tf.Rank.R2>;
    /** `[dim]` */
    ffnNorm: tf.Variable<tf.Rank.R1>;
    /** `[dim, hiddenDim]`: the gate (SiLU side). */
    w1: tf.Variable<tf.Rank.R2>;
    /** `[hiddenDim, dim]` */
    w2: tf.Variable<tf.Rank.R2>;
    /** `[dim, hiddenDim]`: the up projection. */
    w3: tf.Variable<tf.Rank.R2>;
  }>;
  /** `[dim]` */
  finalNorm: tf.Variable<tf.Rank.R1>;
  /** `[dim, vocabSize]`, or null when the classifier is the embedding table. */
  classifier: tf.Variable<tf.Rank.R2> | null;
}

/** One named trainable tensor, in the fixed order checkpoints use. */
export interface NamedVariable {
  /** Stable name, e.g. `layers.0.wqkv`. */
  name: string;
  /** The variable. */
  variable: tf.Variable;
  /** True for matrices (weight decay applies), false for norm weights. */
  decay: boolean;
}

/**
 * A batch ready for the forward pass: `batch` rows of `positions` slots, each
 * row holding one or more whole sequences packed one after the other and
 * padding after them.
 */
export interface TokenBatch {
  /** Rows. */
  batch: number;
  /** Slots per row. */
  positions: number;
  /** `[batch * positions]` input token ids, row-major; padding is any valid id. */
  tokens: Int32Array;
  /** For each slot, the row position where its sequence starts, or -1 for padding. */
  segmentStart: Int32Array;
  /** For each slot, its position within its sequence (0 for padding). */
  position: Int32Array;
  /** Flat indices into `tokens` of the positions whose next token is scored. */
  lossIndex: Int32Array;
  /** The token expected after each position of `lossIndex`. */
  targets: Int32Array;
}

/**
 * A llama-family decoder in tfjs whose forward pass is the one of
 * `LlamaReference` (RMSNorm, run.c's RoPE, SwiGLU, grouped-query attention,
 * tied or separate classifier), run over whole padded batches at once for
 * training.
 */
export class TfjsLlama {
  /** Hyper-parameters. */
  readonly config: LlamaConfig;
  /** The variables. */
  readonly params: TfjsLlamaParams;
  readonly #eps: number;
  #rope: { cos: Float32Array; sin: Float32Array } | null = null;

  private constructor(config: LlamaConfig, params: TfjsLlamaParams) {
    this.config = config;
    this.params = params;
    this.#eps = config.normEps ?? 1e-5;
  }

  /**
   * Fresh weights: matrices normal with standard deviation 0.02, the two
   * projections back into the residual stream (`wo`, `w2`) scaled down by
   * `sqrt(2 * nLayers)` (GPT-2's scheme), norm weights 1. Same seed, same
   * weights.
   *
   * @throws RangeError when the config is invalid
   */
  static init(config: LlamaConfig, seed: number): TfjsLlama {
    validateLlamaConfig(config);
    const { dim, hiddenDim, nLayers, vocabSize } = config;
    const { kvDim } = llamaDims(config);
    let salt = 0;
    const normal = (shape: [number, number], std: number): tf.Variable<tf.Rank.R2> =>
      tf.variable(tf.tensor2d(normalArray(mulberry32(mixSeed(seed, salt++)), shape[0] * shape[1], std), shape));
    const ones = (): tf.Variable<tf.Rank.R1> => tf.variable(tf.ones([dim]) as tf.Tensor1D);
    const residualStd = 0.02 / Math.sqrt(2 * nLayers);
    const params: TfjsLlamaParams = {
      tokenEmbedding: normal([vocabSize, dim], 0.02),
      layers: Array.from({ length: nLayers }, () => ({
        attnNorm: ones(),
        wq: normal([dim, dim], 0.02),
        wk: normal([dim, kvDim], 0.02),
        wv: normal([dim, kvDim], 0.02),
        wo: normal([dim, dim], residualStd),
        ffnNorm: ones(),
        w1: normal([dim, hiddenDim], 0.02),
        w2: normal([hiddenDim, dim], residualStd),
        w3: normal([dim, hiddenDim], 0.02),
      })),
      finalNorm: ones(),
      classifier: config.sharedClassifier ? null : normal([dim, vocabSize], 0.02),
    };
    return new TfjsLlama(config, params);
  }

  /**
   * Variables holding the given llama2.c-layout weights (the inverse of
   * {@link TfjsLlama.toLlamaWeights}).
   */
  static fromLlamaWeights(config: LlamaConfig, weights: LlamaWeights): TfjsLlama {
    validateLlamaConfig(config);
    const { dim, hiddenDim, vocabSize } = config;
    const { kvDim } = llamaDims(config);
    checkLlamaWeights(config, weights);
    const v1 = (a: Float32Array): tf.Variable<tf.Rank.R1> => tf.variable(tf.tensor1d(a));
    // llama2.c's [out, in] to our [in, out]
    const t2 = (a: Float32Array, out: number, inn: number): tf.Variable<tf.Rank.R2> => tf.variable(tf.tensor2d(transposed(a, out, inn), [inn, out]));
    const params: TfjsLlamaParams = {
      tokenEmbedding: tf.variable(tf.tensor2d(weights.tokenEmbedding, [vocabSize, dim])),
      layers: weights.layers.map((l) => ({
        attnNorm: v1(l.attnNorm),
        wq: t2(l.wq, dim, dim),
        wk: t2(l.wk, kvDim, dim),
        wv: t2(l.wv, kvDim, dim),
        wo: t2(l.wo, dim, dim),
        ffnNorm: v1(l.ffnNorm),
        w1: t2(l.w1, hiddenDim, dim),
        w2: t2(l.w2, dim, hiddenDim),
        w3: t2(l.w3, hiddenDim, dim),
      })),
      finalNorm: v1(weights.finalNorm),
      classifier: weights.classifier === null ? null : t2(weights.classifier, vocabSize, dim),
    };
    return new TfjsLlama(config, params);
  }

  /** Every variable with a stable name, in checkpoint order. */
  namedVariables(): NamedVariable[] {
    const p = this.params;
    const out: NamedVariable[] = [{ name: 'tokenEmbedding', variable: p.tokenEmbedding, decay: true }];
    p.layers.forEach((l, i) => {
      out.push(
        { name: `layers.${i}.attnNorm`, variable: l.attnNorm, decay: false },
        { name: `layers.${i}.wq`, variable: l.wq, decay: true },
        { name: `layers.${i}.wk`, variable: l.wk, decay: true },
        { name: `layers.${i}.wv`, variable: l.wv, decay: true },
        { name: `layers.${i}.wo`, variable: l.wo, decay: true },
        { name: `layers.${i}.ffnNorm`, variable: l.ffnNorm, decay: false },
        { name: `layers.${i}.w1`, variable: l.w1, decay: true },
        { name: `layers.${i}.w2`, variable: l.w2, decay: true },
        { name: `layers.${i}.w3`, variable: l.w3, decay: true },
      );
    });
    out.push({ name: 'finalNorm', variable: p.finalNorm, decay: false });
    if (p.classifier) out.push({ name: 'classifier', variable: p.classifier, decay: true });
    return out;
  }

  /** Number of weights. */
  parameterCount(): number {
    return this.namedVariables().reduce((n, v) => n + v.variable.size, 0);
  }

  /** The residual stream after the last block (before the final RMSNorm): `[batch * positions, dim]`. */
  #hidden(b: Omit<TokenBatch, 'lossIndex' | 'targets'>): tf.Tensor2D {
    const { nHeads, nKvHeads } = this.config;
    const { headSize } = llamaDims(this.config);
    let longest = 0;
    for (let i = 0; i < b.position.length; i++) longest = Math.max(longest, b.position[i]! + 1);
    const spec = { batch: b.batch, positions: b.positions, segmentStart: b.segmentStart, position: b.position, nHeads, nKvHeads, headSize, rope: this.#ropeTables(longest) };
    let x = gatherRows(this.params.tokenEmbedding, b.tokens);
    for (const l of this.params.layers) {
      const xb = rmsnorm(x, l.attnNorm, this.#eps);
      x = addSame(x, linear(attention(linear(xb, l.wq), linear(xb, l.wk), linear(xb, l.wv), spec), l.wo));
      const xf = rmsnorm(x, l.ffnNorm, this.#eps);
      x = addSame(x, linear(swiglu(linear(xf, l.w1), linear(xf, l.w3)), l.w2));
    }
    return x;
  }

  #classify(h: tf.Tensor2D): tf.Tensor2D {
    const normed = rmsnorm(h, this.params.finalNorm, this.#eps);
    return this.params.classifier ? linear(normed, this.params.classifier) : linearTransposed(normed, this.params.tokenEmbedding);
  }

  /**
   * Next-token logits at every position of `batch` sequences of `positions`
   * tokens each: `[batch * positions, vocabSize]`. Call inside `tf.tidy`.
   *
   * @param tokens - `[batch * positions]` token ids, sequence-major
   */
  logits(tokens: Int32Array, batch: number, positions: number): tf.Tensor2D {
    const segmentStart = new Int32Array(batch * positions);
    const position = new Int32Array(batch * positions);
    for (let i = 0; i < position.length; i++) position[i] = i % positions;
    return this.#classify(this.#hidden({ batch, positions, tokens, segmentStart, position }));
  }

  /**
   * Mean cross-entropy (nats per scored token) of a batch: logits are
   * computed only at the scored positions. Call inside `tf.tidy` or
   * `tf.variableGrads`.
   */
  loss(b: TokenBatch): tf.Scalar {
    const h = gatherRows(this.#hidden(b), b.lossIndex);
    return crossEntropy(this.#classify(h), b.targets);
  }

  /** The weights in llama2.c's layout, for `buildLlamaModels` and `LlamaReference`. */
  toLlamaWeights(): LlamaWeights {
    const { dim, hiddenDim, vocabSize } = this.config;
    const { kvDim } = llamaDims(this.config);
    const read = (v: tf.Variable): Float32Array => Float32Array.from(v.dataSync() as Float32Array);
    // our [in, out] to llama2.c's [out, in]
    const t2 = (v: tf.Variable, inn: number, out: number): Float32Array => transposed(v.dataSync() as Float32Array, inn, out);
    const p = this.params;
    const layers: LlamaLayerWeights[] = p.layers.map((l) => ({
      attnNorm: read(l.attnNorm),
      wq: t2(l.wq, dim, dim),
      wk: t2(l.wk, dim, kvDim),
      wv: t2(l.wv, dim, kvDim),
      wo: t2(l.wo, dim, dim),
      ffnNorm: read(l.ffnNorm),
      w1: t2(l.w1, dim, hiddenDim),
      w2: t2(l.w2, hiddenDim, dim),
      w3: t2(l.w3, dim, hiddenDim),
    }));
    return {
      tokenEmbedding: read(p.tokenEmbedding),
      layers,
      finalNorm: read(p.finalNorm),
      classifier: p.classifier === null ? null : t2(p.classifier, dim, vocabSize),
    };
  }

  /** Free the variables and cached tables. */
  dispose(): void {
    for (const { variable } of this.namedVariables()) variable.dispose();
  }

  /** RoPE tables for at least `positions` positions (the whole context, computed once). */
  #ropeTables(positions: number): { cos: Float32Array; sin: Float32Array } {
    if (this.#rope === null || this.#rope.cos.length < positions * (llamaDims(this.config).headSize / 2)) {
      const { headSize } = llamaDims(this.config);
      this.#rope = ropeTables(Math.max(positions, this.config.seqLen), headSize, this.config.ropeTheta ?? 10000);
    }
    return this.#rope;
  }
}

/** `[cols, rows]` row-major from `[rows, cols]` row-major. */
function transposed(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c]!;
  return out;
}
