import { GraphBuilder } from '../../tflite/graph-builder.js';
import { checkLlamaWeights, llamaDims, validateLlamaConfig, type LlamaConfig, type LlamaWeights } from './config.js';
import { emitLlamaStep, type StepInputs } from './emit-llama-step.js';
import { POS_INPUT, TOKEN_INPUT, WANT_LOGITS_INPUT, kCacheName, vCacheName } from './graph-io.js';
import { createCacheVariables } from './llama-attention.js';
import { LlamaGraphOps, type Int8Kernel } from './llama-graph-ops.js';

/** How the weights of a llama graph are stored. */
export type LlamaQuantization = 'none' | 'int8';

/** Options for {@link buildLlamaTflite}. */
export interface BuildLlamaOptions {
  /**
   * `int8` (the default): every matrix as int8 with one scale per output
   * channel, run by TFLite's hybrid kernels (float activations). `none`:
   * float32 weights.
   */
  quantize?: LlamaQuantization;
  /**
   * Where the KV cache lives (see `graph-io.ts`). `io` (the default): graph
   * inputs that the caller writes back in place, so the runtime can move
   * rows between interpreters (the window model). `variables`: TFLite
   * resource variables inside the interpreter, zeroed by a `CALL_ONCE`; only
   * `token`, `pos` and `want_logits` go in and `logits` comes out. Which is
   * faster depends on the model (docs/benchmarks.md); {@link buildLlamaModels}
   * picks per model.
   */
  kvCache?: 'io' | 'variables';
  /** How int8 matrices run; see {@link Int8Kernel}. Default `auto`. */
  int8Kernel?: Int8Kernel;
  /**
   * Attend over only the first `attentionWindow` cache rows while
   * `pos < attentionWindow`, and over the whole context after that, through
   * an IF in each layer (both attention subgraphs are shared by all layers).
   * For single-file deployments; tinyedge bundles get the same effect
   * faster with a second, short-context model (see {@link buildLlamaModels}).
   * Default 0 (off).
   */
  attentionWindow?: number;
  /** Stored in the model's description. Default `tinyedge llama (<quantize>)`. */
  description?: string;
}

/**
 * How many positions a short-context window is worth for a model: 128 when
 * the KV cache (float32, every layer, keys and values) is larger than the
 * weights and the context is longer than 128, otherwise 0 (no window). On the
 * stories260K shape (655 KB of cache, 260K weights) attending over and
 * copying the whole context is most of a step; on stories15M the cache is a
 * fifth of the weights.
 */
export function defaultAttentionWindow(config: LlamaConfig): number {
  const { kvDim } = llamaDims(config);
  const cacheBytes = 2 * config.nLayers * config.seqLen * kvDim * 4;
  const params = config.vocabSize * config.dim * (config.sharedClassifier ? 1 : 2)
    + config.nLayers * (2 * config.dim * config.dim + 2 * kvDim * config.dim + 3 * config.dim * config.hiddenDim);
  return config.seqLen > 128 && cacheBytes > params ? 128 : 0;
}

/**
 * Build the TFLite graph of one llama decode step (see `graph-io.ts` for the
 * inputs and outputs).
 *
 * The graph computes what `LlamaReference` computes, rearranged for speed
 * where the arithmetic is the same: RMSNorm weights and the attention scale
 * are folded into the matrices that follow them, q/k/v and the two SwiGLU
 * input projections are fused into one matrix each, RoPE is a multiply-add
 * with a pair-swapped copy, and (with the default `io` cache) the current
 * position's key and value join the attention through their own score column
 * instead of being copied into the cache inside the graph.
 *
 * @example
 * ```ts
 * const { config, weights } = readLlama2cCheckpoint(await readFile('stories260K.bin'));
 * const tflite = buildLlamaTflite(config, weights, { quantize: 'int8' });
 * ```
 * @throws RangeError when the config is not buildable, a weight has the wrong length, or an option is out of range
 */
export function buildLlamaTflite(config: LlamaConfig, weights: LlamaWeights, options: BuildLlamaOptions = {}): Uint8Array {
  validateLlamaConfig(config);
  checkLlamaWeights(config, weights);
  const quantize = options.quantize ?? 'int8';
  const kvCache = options.kvCache ?? 'io';
  const window = options.attentionWindow ?? 0;
  if (!Number.isInteger(window) || window < 0 || window >= config.seqLen) {
    throw new RangeError(`attentionWindow must be an integer in [0, seqLen=${config.seqLen}), found ${window}`);
  }
  if (window > 0 && kvCache !== 'io') throw new RangeError('attentionWindow needs kvCache "io"');
  const { nLayers, nKvHeads, seqLen } = config;
  const { headSize, kvMul } = llamaDims(config);
  const g = new GraphBuilder(options.description ?? `tinyedge llama (${quantize})`);
  const stepInputs = (): StepInputs => ({
    token: g.input(TOKEN_INPUT, 'int32', [1]),
    pos: g.input(POS_INPUT, 'int32', [1]),
    wantLogits: g.input(WANT_LOGITS_INPUT, 'int32', [1]),
    caches: kvCache === 'io'
      ? Array.from({ length: nLayers }, (_, l) => ({
          k: g.input(kCacheName(l), 'float32', [nKvHeads, seqLen, headSize]),
          v: g.input(vCacheName(l), 'float32', [nKvHeads, seqLen, headSize]),
        }))
      : [],
  });

  const inputs = stepInputs();
  const ops = new LlamaGraphOps(g, quantize, config.normEps ?? 1e-5, options.int8Kernel ?? 'auto');
  if (kvCache === 'variables') createCacheVariables(ops, { nKvHeads, kvMul, headSize, seqLen, dim: config.dim }, nLayers);
  const out = emitLlamaStep(ops, config, weights, window, inputs, kvCache);
  for (const t of [out.logits, ...out.cacheOutputs]) g.output(t);
  return g.finish();
}

/** The graphs of a bundle: the model, and a short-context copy where one pays off. */
export interface LlamaModels {
  /** The decode step over the whole context. */
  model: Uint8Array;
  /** The same step with a context of `rows` positions, when {@link defaultAttentionWindow} is not 0. */
  windowModel?: {
    /** Its `.tflite` bytes. */
    bytes: Uint8Array;
    /** Positions its context holds. */
    rows: number;
  };
}

/**
 * Build the graphs a tinyedge bundle holds for a model. Where attention over
 * the whole context dominates a step ({@link defaultAttentionWindow} is not
 * 0): the decode step with its KV cache as graph inputs, and the same weights
 * with a context of that many positions, which the runtime runs while a
 * sequence is that short and then moves the cache rows over. Otherwise one
 * decode step with its cache in TFLite resource variables: 6% faster by the
 * median of eight runs on the stories15M shape (within noise run by run),
 * while graph inputs were 2% faster on stories260K (see docs/benchmarks.md).
 *
 * @param rows - window rows; default {@link defaultAttentionWindow}, 0 for none
 * @throws RangeError as {@link buildLlamaTflite}
 */
export function buildLlamaModels(config: LlamaConfig, weights: LlamaWeights, quantize: LlamaQuantization, rows = defaultAttentionWindow(config)): LlamaModels {
  if (rows === 0) return { model: buildLlamaTflite(config, weights, { quantize, kvCache: 'variables' }) };
  const model = buildLlamaTflite(config, weights, { quantize });
  if (!Number.isInteger(rows) || rows < 0 || rows >= config.seqLen) throw new RangeError(`window rows must be an integer in [0, ${config.seqLen}), found ${rows}`);
  return { model, windowModel: { bytes: buildLlamaTflite({ ...config, seqLen: rows }, weights, { quantize }), rows } };
}
