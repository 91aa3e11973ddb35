/**
 * Hyper-parameters of a llama-family decoder, in llama2.c's terms.
 *
 * `nKvHeads < nHeads` means grouped-query attention: each key/value head
 * serves `nHeads / nKvHeads` query heads.
 */
export interface LlamaConfig {
  /** Width of the residual stream. */
  dim: number;
  /** Width of the SwiGLU hidden layer. */
  hiddenDim: number;
  /** Number of transformer blocks. */
  nLayers: number;
  /** Number of query heads; `dim / nHeads` is the head size. */
  nHeads: number;
  /** Number of key/value heads; divides `nHeads`. */
  nKvHeads: number;
  /** Number of tokens in the vocabulary. */
  vocabSize: number;
  /** Context length in tokens: the KV cache holds this many positions. */
  seqLen: number;
  /** True when the classifier reuses the token embedding table. */
  sharedClassifier: boolean;
  /** RMSNorm epsilon. Default 1e-5, as llama2.c. */
  normEps?: number;
  /** RoPE base. Default 10000, as llama2.c. */
  ropeTheta?: number;
}

/** One transformer block's weights, row-major, `[out, in]` for matrices. */
export interface LlamaLayerWeights {
  /** `[dim]` RMSNorm weight before attention. */
  attnNorm: Float32Array;
  /** `[nHeads * headSize, dim]` */
  wq: Float32Array;
  /** `[nKvHeads * headSize, dim]` */
  wk: Float32Array;
  /** `[nKvHeads * headSize, dim]` */
  wv: Float32Array;
  /** `[dim, nHeads * headSize]` */
  wo: Float32Array;
  /** `[dim]` RMSNorm weight before the feed-forward block. */
  ffnNorm: Float32Array;
  /** `[hiddenDim, dim]` gate projection (SiLU side). */
  w1: Float32Array;
  /** `[dim, hiddenDim]` down projection. */
  w2: Float32Array;
  /** `[hiddenDim, dim]` up projection. */
  w3: Float32Array;
}

/** All weights of a llama-family decoder, in float32. */
export interface LlamaWeights {
  /** `[vocabSize, dim]` */
  tokenEmbedding: Float32Array;
  /** One entry per transformer block, in order. */
  layers: LlamaLayerWeights[];
  /** `[dim]` */
  finalNorm: Float32Array;
  /** `[vocabSize, dim]`, or `null` when the classifier is the embedding table. */
  classifier: Float32Array | null;
}

/** Sizes derived from a {@link LlamaConfig}. */
export interface LlamaDims {
  /** `dim / nHeads`: width of one attention head. */
  headSize: number;
  /** `headSize * nKvHeads`: width of the keys (and values) of one position. */
  kvDim: number;
  /** `nHeads / nKvHeads`: query heads served by each key/value head. */
  kvMul: number;
}

/** Head size, key/value width and group size derived from a config. */
export function llamaDims(config: LlamaConfig): LlamaDims {
  const headSize = config.dim / config.nHeads;
  return { headSize, kvDim: headSize * config.nKvHeads, kvMul: config.nHeads / config.nKvHeads };
}

/**
 * Check that a config describes a buildable model; throws `RangeError` naming
 * the first field that is wrong.
 */
export function validateLlamaConfig(config: LlamaConfig): void {
  const positive = ['dim', 'hiddenDim', 'nLayers', 'nHeads', 'nKvHeads', 'vocabSize', 'seqLen'] as const;
  for (const key of positive) {
    const v = config[key];
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`LlamaConfig.${key} must be a positive integer, found ${v}`);
  }
  if (config.dim % config.nHeads !== 0) {
    throw new RangeError(`LlamaConfig.dim (${config.dim}) must be divisible by nHeads (${config.nHeads})`);
  }
  if (config.nHeads % config.nKvHeads !== 0) {
    throw new RangeError(`LlamaConfig.nHeads (${config.nHeads}) must be divisible by nKvHeads (${config.nKvHeads})`);
  }
  if ((config.dim / config.nHeads) % 2 !== 0) {
    throw new RangeError(`head size (${config.dim / config.nHeads}) must be even for RoPE`);
  }
}

/**
 * Check that every weight is a Float32Array of the length `config` implies
 * and that `classifier` is `null` exactly when `config.sharedClassifier`.
 *
 * @throws TypeError when a weight is missing or not a Float32Array
 * @throws RangeError naming the first weight with the wrong length
 */
export function checkLlamaWeights(config: LlamaConfig, weights: LlamaWeights): void {
  const { dim, hiddenDim, nLayers, vocabSize } = config;
  const { kvDim } = llamaDims(config);
  const expect = (name: string, value: unknown, length: number): void => {
    if (!(value instanceof Float32Array)) {
      throw new TypeError(`weights.${name} must be a Float32Array, found ${value === null ? 'null' : typeof value}`);
    }
    if (value.length !== length) {
      throw new RangeError(`weights.${name} must hold ${length} floats for this config, found ${value.length}`);
    }
  };
  expect('tokenEmbedding', weights.tokenEmbedding, vocabSize * dim);
  if (!Array.isArray(weights.layers) || weights.layers.length !== nLayers) {
    throw new RangeError(`weights.layers must hold ${nLayers} layers, found ${weights.layers?.length}`);
  }
  weights.layers.forEach((layer, l) => {
    expect(`layers[${l}].attnNorm`, layer.attnNorm, dim);
    expect(`layers[${l}].wq`, layer.wq, dim * dim);
    expect(`layers[${l}].wk`, layer.wk, kvDim * dim);
    expect(`layers[${l}].wv`, layer.wv, kvDim * dim);
    expect(`layers[${l}].wo`, layer.wo, dim * dim);
    expect(`layers[${l}].ffnNorm`, layer.ffnNorm, dim);
    expect(`layers[${l}].w1`, layer.w1, hiddenDim * dim);
    expect(`layers[${l}].w2`, layer.w2, dim * hiddenDim);
    expect(`layers[${l}].w3`, layer.w3, hiddenDim * dim);
  });
  expect('finalNorm', weights.finalNorm, dim);
  if (config.sharedClassifier) {
    if (weights.classifier !== null) {
      throw new RangeError('weights.classifier must be null when config.sharedClassifier is true');
    }
  } else {
    expect('classifier', weights.classifier, vocabSize * dim);
  }
}
