import type { TensorRef } from '../../tflite/graph-builder.js';
import { llamaDims, type LlamaConfig, type LlamaWeights } from './config.js';
import { LOGITS_OUTPUT, kNewName, vNewName } from './graph-io.js';
import {
  additiveMask, attendInputCache, attendInputCacheWindowed, attendVariableCache, createAttentionBranches, type AttentionBranches, type AttentionDims,
} from './llama-attention.js';
import type { LlamaGraphOps } from './llama-graph-ops.js';

/** The inputs a decode step reads, in the subgraph being built. */
export interface StepInputs {
  token: TensorRef;
  pos: TensorRef;
  /** int32 `[1]`: 0 when the caller needs no logits for this token; absent to always compute them. */
  wantLogits?: TensorRef;
  /** Per layer, the full `[nKvHeads, seqLen, headSize]` cache inputs; empty with resource variables. */
  caches: Array<{ k: TensorRef; v: TensorRef }>;
}

/** What a decode step produces: `logits`, then `k_new_l`, `v_new_l` per layer (empty with resource variables). */
export interface StepOutputs {
  logits: TensorRef;
  cacheOutputs: TensorRef[];
}

/**
 * Emit one llama decode step into the builder's current subgraph. With a
 * `window` (0 for none) each layer's attention goes through an IF that
 * attends over only the first `window` cache rows while `pos < window`.
 *
 * @internal
 */
export function emitLlamaStep(
  ops: LlamaGraphOps, config: LlamaConfig, weights: LlamaWeights, window: number, inputs: StepInputs, kvCache: 'io' | 'variables',
): StepOutputs {
  const { g } = ops;
  const { token, pos } = inputs;
  const { dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize } = config;
  const { headSize, kvDim, kvMul } = llamaDims(config);
  const { seqLen } = config;
  const dims: AttentionDims = { nKvHeads, kvMul, headSize, seqLen, dim };
  const { caches } = inputs;

  // Token embedding (for int8 the table is shared with a tied classifier below).
  let x = g.tensor('embedding', 'float32', [1, dim]);
  let embTable: TensorRef | null = null;
  const emb = ops.weights('tok_embeddings', () => weights.tokenEmbedding, vocabSize, dim);
  if (ops.quantize === 'int8') {
    const table = g.constantFromBuffer('tok_embeddings.int8', 'int8', [vocabSize, dim], emb.values);
    const row = g.tensor('embedding.int8', 'int8', [1, dim]);
    g.op('GATHER', [table, token], [row], { type: 'GatherOptions', axis: 0 });
    const rowF = g.tensor('embedding.cast', 'float32', [1, dim]);
    g.op('CAST', [row], [rowF], { type: 'CastOptions', inDataType: 'INT8', outDataType: 'FLOAT32' });
    const scales = g.constantFromBuffer('tok_embeddings.scale', 'float32', [vocabSize], emb.scales!);
    const scale = g.tensor('embedding.scale', 'float32', [1]);
    g.op('GATHER', [scales, token], [scale], { type: 'GatherOptions', axis: 0 });
    g.op('MUL', [rowF, scale], [x], { type: 'MulOptions' });
  } else {
    embTable = g.constantFromBuffer('tok_embeddings', 'float32', [vocabSize, dim], emb.values);
    g.op('GATHER', [embTable, token], [x], { type: 'GatherOptions', axis: 0 });
  }

  // RoPE for this position over one head, shared by all layers: angles in
  // float32 like run.c, and a sign per lane so that
  // rotated = x * cos + swapPairs(x) * signedSin.
  const { freqs, signs } = ropeLanes(headSize, config.ropeTheta ?? 10000);
  const posF = g.tensor('rope.pos', 'float32', [1]);
  g.op('CAST', [pos], [posF], { type: 'CastOptions', inDataType: 'INT32', outDataType: 'FLOAT32' });
  const angle = ops.binary('MUL', 'rope.angle', posF, g.float32('rope.freq', freqs, [headSize]), [headSize]);
  const cos = g.tensor('rope.cos', 'float32', [headSize]);
  g.op('COS', [angle], [cos]);
  const sinRaw = g.tensor('rope.sin_raw', 'float32', [headSize]);
  g.op('SIN', [angle], [sinRaw]);
  const sin = ops.binary('MUL', 'rope.sin', sinRaw, g.float32('rope.sign', signs, [headSize]), [headSize]);
  const pairSwap = g.int32('rope.pair_swap', Array.from({ length: headSize }, (_, i) => (i % 2 === 0 ? i + 1 : i - 1)));

  // The input cache holds rows < pos; the variables also hold row pos itself.
  let mask: TensorRef;
  let start: TensorRef | null = null;
  let useWindow: TensorRef | null = null;
  let branches: AttentionBranches | null = null;
  if (kvCache === 'io' && window > 0) {
    branches = createAttentionBranches(ops, dims, window, [nHeads, headSize]);
    useWindow = g.tensor('use_window', 'bool', [1]);
    g.op('LESS', [pos, g.int32('window', [window])], [useWindow]);
    mask = pos; // unused: each branch builds its own mask
  } else if (kvCache === 'io') {
    mask = additiveMask(ops, 'mask', seqLen, pos);
  } else {
    const limit = g.tensor('mask.limit', 'int32', [1]);
    g.op('ADD', [pos, g.int32('one', [1])], [limit], { type: 'AddOptions' });
    mask = additiveMask(ops, 'mask', seqLen, limit);
    start = g.tensor('cache.start', 'int32', [3]);
    const zero = g.int32('zero', [0]);
    g.op('CONCATENATION', [zero, pos, zero], [start], { type: 'ConcatenationOptions', axis: 0 });
  }

  const qScale = 1 / Math.sqrt(headSize);
  const cacheOutputs: TensorRef[] = [];
  const qkRows = nHeads + nKvHeads;
  for (let l = 0; l < nLayers; l++) {
    const w = weights.layers[l]!;
    const p = `layers.${l}`;
    // Attention: fused [q; k; v] projection of the normalized input, then RoPE on q and k.
    const wqkv = (): Float32Array => {
      const m = new Float32Array((dim + 2 * kvDim) * dim);
      foldRows(m, 0, w.wq, dim, dim, w.attnNorm, qScale);
      foldRows(m, dim * dim, w.wk, kvDim, dim, w.attnNorm, 1);
      foldRows(m, (dim + kvDim) * dim, w.wv, kvDim, dim, w.attnNorm, 1);
      return m;
    };
    const qkv = ops.linear(`${p}.qkv`, ops.normalize(`${p}.attn_norm`, x), wqkv, dim + 2 * kvDim, dim);
    const [qkFlat, vFlat] = ops.splitV(`${p}.qkv_split`, qkv, [dim + kvDim, kvDim], 1, [[1, dim + kvDim], [1, kvDim]]);
    const qk = ops.reshape(`${p}.qk_heads`, qkFlat!, [qkRows, headSize]);
    const swapped = g.tensor(`${p}.qk_swapped`, 'float32', [qkRows, headSize]);
    g.op('GATHER', [qk, pairSwap], [swapped], { type: 'GatherOptions', axis: 1 });
    const qkCos = ops.binary('MUL', `${p}.qk_cos`, qk, cos, [qkRows, headSize]);
    const qkSin = ops.binary('MUL', `${p}.qk_sin`, swapped, sin, [qkRows, headSize]);
    const qkRot = ops.binary('ADD', `${p}.qk_rope`, qkCos, qkSin, [qkRows, headSize]);
    const [q, kNew] = ops.splitV(`${p}.qk_rope_split`, qkRot, [nHeads, nKvHeads], 0, [[nHeads, headSize], [nKvHeads, headSize]], [`${p}.q`, kNewName(l)]);
    const vNew = ops.reshape(vNewName(l), vFlat!, [nKvHeads, headSize]);
    let mix: TensorRef;
    if (useWindow && branches) {
      mix = attendInputCacheWindowed(ops, p, dims, branches, useWindow, q!, kNew!, vNew, caches[l]!.k, caches[l]!.v, pos);
      cacheOutputs.push(kNew!, vNew);
    } else if (kvCache === 'io') {
      mix = attendInputCache(ops, p, dims, q!, kNew!, vNew, caches[l]!.k, caches[l]!.v, mask);
      cacheOutputs.push(kNew!, vNew);
    } else {
      mix = attendVariableCache(ops, p, dims, l, q!, kNew!, vNew, start!, mask);
    }
    x = ops.binary('ADD', `${p}.attn_residual`, x, ops.linear(`${p}.wo`, mix, () => w.wo, dim, dim), [1, dim]);

    // SwiGLU feed-forward: fused [w1; w3] projection, silu(h1) * h3, then w2.
    const w13 = (): Float32Array => {
      const m = new Float32Array(2 * hiddenDim * dim);
      foldRows(m, 0, w.w1, hiddenDim, dim, w.ffnNorm, 1);
      foldRows(m, hiddenDim * dim, w.w3, hiddenDim, dim, w.ffnNorm, 1);
      return m;
    };
    const h13 = ops.linear(`${p}.w13`, ops.normalize(`${p}.ffn_norm`, x), w13, 2 * hiddenDim, dim);
    const [h1, h3] = ops.splitV(`${p}.w13_split`, h13, [hiddenDim, hiddenDim], 1, [[1, hiddenDim], [1, hiddenDim]]);
    const gate = g.tensor(`${p}.gate`, 'float32', [1, hiddenDim]);
    g.op('LOGISTIC', [h1!], [gate]);
    const silu = ops.binary('MUL', `${p}.silu`, h1!, gate, [1, hiddenDim]);
    const act = ops.binary('MUL', `${p}.swiglu`, silu, h3!, [1, hiddenDim]);
    x = ops.binary('ADD', `${p}.ffn_residual`, x, ops.linear(`${p}.w2`, act, () => w.w2, dim, hiddenDim), [1, dim]);
  }

  // Final norm and classifier; behind an IF when the caller can say that it
  // needs no logits (prompt tokens before the last), since on large
  // vocabularies the classifier is most of a step.
  let logits: TensorRef;
  if (inputs.wantLogits) {
    const caller = g.currentSubgraph;
    const branches = [true, false].map((classify) => {
      const index = g.addSubgraph(classify ? 'classifier' : 'no_logits');
      const xIn = g.input('x', 'float32', [1, dim]); // inputs first: TFLite 2.9's IF sizes them by tensor index
      const b = ops.sibling();
      if (classify) {
        g.output(emitClassifier(b, config, weights, xIn, LOGITS_OUTPUT));
      } else {
        const zeros = g.tensor(LOGITS_OUTPUT, 'float32', [1, vocabSize]);
        g.op('FILL', [g.int32('logits.dims', [1, vocabSize]), g.float32('logits.zero', [0], [])], [zeros], { type: 'FillOptions' });
        g.output(zeros);
      }
      return index;
    });
    g.useSubgraph(caller);
    const wanted = g.tensor('logits.wanted', 'bool', [1]);
    g.op('GREATER', [inputs.wantLogits, g.int32('zero', [0])], [wanted]);
    logits = g.tensor(LOGITS_OUTPUT, 'float32', [1, vocabSize]);
    g.op('IF', [wanted, x], [logits], { type: 'IfOptions', thenSubgraphIndex: branches[0]!, elseSubgraphIndex: branches[1]! });
  } else {
    logits = emitClassifier(ops, config, weights, x, LOGITS_OUTPUT);
  }
  return { logits, cacheOutputs };
}

/**
 * Final RMSNorm and classifier over the last hidden state `x` (`[1, dim]`),
 * in the current subgraph. A separate classifier has the norm weight folded
 * in; a tied one keeps it as a MUL so that the embedding table is stored once.
 */
function emitClassifier(ops: LlamaGraphOps, config: LlamaConfig, weights: LlamaWeights, x: TensorRef, outName: string): TensorRef {
  const { g } = ops;
  const { dim, vocabSize } = config;
  const xf = ops.normalize('final_norm', x);
  const classifier = weights.classifier;
  if (classifier) {
    const wcls = (): Float32Array => {
      const m = new Float32Array(vocabSize * dim);
      foldRows(m, 0, classifier, vocabSize, dim, weights.finalNorm, 1);
      return m;
    };
    return ops.linear('classifier', xf, wcls, vocabSize, dim, outName);
  }
  const xw = ops.binary('MUL', 'final_norm.weighted', xf, g.float32('final_norm.weight', weights.finalNorm, [dim]), [1, dim]);
  const out = g.tensor(outName, 'float32', [1, vocabSize]);
  const emb = ops.weights('tok_embeddings', () => weights.tokenEmbedding, vocabSize, dim);
  if (ops.quantize === 'int8') return ops.int8Linear('classifier', xw, emb, vocabSize, dim, out);
  const table = g.constantFromBuffer('tok_embeddings', 'float32', [vocabSize, dim], emb.values);
  g.op('FULLY_CONNECTED', [xw, table, null], [out], { type: 'FullyConnectedOptions' });
  return out;
}

/**
 * Write `rows x cols` matrix `w` into `dst` at `offset`, scaling column `c`
 * by `colScale[c]` (a folded RMSNorm weight) and every value by `rowScale`.
 */
function foldRows(dst: Float32Array, offset: number, w: Float32Array, rows: number, cols: number, colScale: Float32Array, rowScale: number): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) dst[offset + base + c] = w[base + c]! * colScale[c]! * rowScale;
  }
}

/**
 * Per-lane RoPE frequency and sign over one head. llama2.c rotates adjacent
 * pairs `(i, i+1)` by `pos * theta^(-i/headSize)`; both lanes of a pair share
 * the frequency, and the even lane takes `-sin`.
 */
function ropeLanes(headSize: number, theta: number): { freqs: Float32Array; signs: Float32Array } {
  const freqs = new Float32Array(headSize);
  const signs = new Float32Array(headSize);
  for (let i = 0; i < headSize; i += 2) {
    // Rounded to float32 at each step, as run.c's powf does.
    const freq = Math.fround(1 / Math.fround(Math.pow(theta, Math.fround(i / headSize))));
    freqs[i] = freq;
    freqs[i + 1] = freq;
    signs[i] = -1;
    signs[i + 1] = 1;
  }
  return { freqs, signs };
}
