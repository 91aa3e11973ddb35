import type { TensorRef } from '../../tflite/graph-builder.js';
import type { LlamaGraphOps } from './llama-graph-ops.js';

/** The sizes attention needs, derived from a llama config. */
export interface AttentionDims {
  nKvHeads: number;
  /** Query heads per key/value head. */
  kvMul: number;
  headSize: number;
  seqLen: number;
  dim: number;
}

/**
 * An additive mask over the `seqLen` cache rows: 0 where `row < limit`,
 * -1e9 elsewhere, so that softmax gives those rows exactly zero weight.
 */
export function additiveMask(ops: LlamaGraphOps, name: string, seqLen: number, limit: TensorRef): TensorRef {
  const { g } = ops;
  const valid = g.tensor(`${name}.valid`, 'bool', [seqLen]);
  g.op('LESS', [g.int32(`${name}.iota`, Array.from({ length: seqLen }, (_, i) => i)), limit], [valid]);
  const validF = g.tensor(`${name}.valid_f`, 'float32', [seqLen]);
  g.op('CAST', [valid], [validF], { type: 'CastOptions', inDataType: 'BOOL', outDataType: 'FLOAT32' });
  const scaled = ops.binary('MUL', `${name}.scaled`, validF, g.float32(`${name}.big`, [1e9], [1]), [seqLen]);
  return ops.binary('ADD', name, scaled, g.float32(`${name}.neg_big`, [-1e9], [1]), [seqLen]);
}

/**
 * Attention with the cache passed in as graph inputs holding rows
 * `0 .. pos-1` (mask `rows < pos`). This position's key and value take part
 * through a score column of their own, so the graph never copies the cache;
 * the caller writes them into row `pos` afterwards.
 *
 * @returns the heads' mixed values, `[1, dim]`
 */
export function attendInputCache(
  ops: LlamaGraphOps, p: string, d: AttentionDims,
  q: TensorRef, kNew: TensorRef, vNew: TensorRef, kCache: TensorRef, vCache: TensorRef, mask: TensorRef,
): TensorRef {
  const { g } = ops;
  const { nKvHeads, kvMul, headSize, seqLen } = d;
  const qGroups = ops.reshape(`${p}.q_groups`, q, [nKvHeads, kvMul, headSize]);
  const scoresCache = g.tensor(`${p}.scores_cache`, 'float32', [nKvHeads, kvMul, seqLen]);
  g.op('BATCH_MATMUL', [qGroups, kCache], [scoresCache], { type: 'BatchMatMulOptions', adjY: true });
  const scoresMasked = ops.binary('ADD', `${p}.scores_masked`, scoresCache, mask, [nKvHeads, kvMul, seqLen]);
  const kSelf = ops.reshape(`${p}.k_self`, kNew, [nKvHeads, 1, headSize]);
  const scoreSelf = g.tensor(`${p}.score_self`, 'float32', [nKvHeads, kvMul, 1]);
  g.op('BATCH_MATMUL', [qGroups, kSelf], [scoreSelf], { type: 'BatchMatMulOptions', adjY: true });
  const scores = g.tensor(`${p}.scores`, 'float32', [nKvHeads, kvMul, seqLen + 1]);
  g.op('CONCATENATION', [scoresMasked, scoreSelf], [scores], { type: 'ConcatenationOptions', axis: 2 });
  const probs = g.tensor(`${p}.probs`, 'float32', [nKvHeads, kvMul, seqLen + 1]);
  g.op('SOFTMAX', [scores], [probs], { type: 'SoftmaxOptions', beta: 1 });
  const [pCache, pSelf] = ops.splitV(`${p}.probs_split`, probs, [seqLen, 1], 2, [[nKvHeads, kvMul, seqLen], [nKvHeads, kvMul, 1]]);
  const mixCache = g.tensor(`${p}.mix_cache`, 'float32', [nKvHeads, kvMul, headSize]);
  g.op('BATCH_MATMUL', [pCache!, vCache], [mixCache], { type: 'BatchMatMulOptions' });
  const vSelf = ops.reshape(`${p}.v_self`, vNew, [nKvHeads, 1, headSize]);
  const mixSelf = ops.binary('MUL', `${p}.mix_self`, pSelf!, vSelf, [nKvHeads, kvMul, headSize]);
  return ops.reshape(`${p}.mix`, ops.binary('ADD', `${p}.mix_sum`, mixCache, mixSelf, [nKvHeads, kvMul, headSize]), [1, d.dim]);
}

/** The two attention subgraphs a windowed step chooses between. */
export interface AttentionBranches {
  window: number;
  /** Subgraph attending over the first `window` cache rows. */
  windowed: number;
  /** Subgraph attending over all `seqLen` rows. */
  full: number;
}

/**
 * Build the two attention subgraphs of a windowed step. They hold no
 * weights, so every layer's IF calls the same two: inputs `q`, `k_new`,
 * `v_new`, `k_cache`, `v_cache` (full size), `pos`; output the mixed values.
 */
export function createAttentionBranches(ops: LlamaGraphOps, d: AttentionDims, window: number, q: readonly number[]): AttentionBranches {
  const { g } = ops;
  const caller = g.currentSubgraph;
  const { nKvHeads, headSize, seqLen } = d;
  const cacheShape = [nKvHeads, seqLen, headSize];
  const [windowed, full] = [window, seqLen].map((rows) => {
    const index = g.addSubgraph(`attention_${rows}`);
    // TFLite 2.9's IF sizes a branch's inputs by tensor index, so they must be its first tensors.
    const inputs = {
      q: g.input('q', 'float32', q), kNew: g.input('k_new', 'float32', [nKvHeads, headSize]), vNew: g.input('v_new', 'float32', [nKvHeads, headSize]),
      kCache: g.input('k_cache', 'float32', cacheShape), vCache: g.input('v_cache', 'float32', cacheShape), pos: g.input('pos', 'int32', [1]),
    };
    const b = ops.sibling();
    const slice = (name: string, cache: TensorRef): TensorRef => {
      if (rows === seqLen) return cache;
      const out = g.tensor(name, 'float32', [nKvHeads, rows, headSize]);
      g.op('SLICE', [cache, g.int32(`${name}.begin`, [0, 0, 0]), g.int32(`${name}.size`, [nKvHeads, rows, headSize])], [out], { type: 'SliceOptions' });
      return out;
    };
    const mask = additiveMask(b, 'mask', rows, inputs.pos);
    const mix = attendInputCache(b, 'attn', { ...d, seqLen: rows }, inputs.q, inputs.kNew, inputs.vNew, slice('k_window', inputs.kCache), slice('v_window', inputs.vCache), mask);
    g.output(mix);
    return index;
  }) as [number, number];
  g.useSubgraph(caller);
  return { window, windowed, full };
}

/**
 * Attention over an input cache through an IF: while `pos < window` the
 * branch over the first `window` rows, after that the one over all of them.
 * The IF copies this layer's cache into the branch it runs.
 *
 * @param useWindow - bool `[1]`, `pos < window`, computed once per step
 * @returns the heads' mixed values, `[1, dim]`
 */
export function attendInputCacheWindowed(
  ops: LlamaGraphOps, p: string, d: AttentionDims, branches: AttentionBranches, useWindow: TensorRef,
  q: TensorRef, kNew: TensorRef, vNew: TensorRef, kCache: TensorRef, vCache: TensorRef, pos: TensorRef,
): TensorRef {
  const mix = ops.g.tensor(`${p}.mix`, 'float32', [1, d.dim]);
  ops.g.op('IF', [useWindow, q, kNew, vNew, kCache, vCache, pos], [mix], { type: 'IfOptions', thenSubgraphIndex: branches.windowed, elseSubgraphIndex: branches.full });
  return mix;
}

/**
 * Create the resource variables that hold every layer's cache, zeroed once by
 * a `CALL_ONCE` initializer subgraph. Must be called before any operator of
 * the main graph is added.
 */
export function createCacheVariables(ops: LlamaGraphOps, d: AttentionDims, nLayers: number): void {
  const { g } = ops;
  const shape = [d.nKvHeads, d.seqLen, d.headSize];
  const init = g.addSubgraph('init_kv_cache');
  const zeros = g.tensor('zeros', 'float32', shape);
  g.op('FILL', [g.int32('zeros.dims', shape), g.float32('zeros.value', [0], [])], [zeros]);
  for (let l = 0; l < nLayers; l++) {
    for (const kind of ['k', 'v']) {
      const handle = g.tensor(`${kind}_cache_${l}.handle`, 'resource', []);
      g.op('VAR_HANDLE', [], [handle], { type: 'VarHandleOptions', sharedName: `${kind}_cache_${l}` });
      g.op('ASSIGN_VARIABLE', [handle, zeros], [], { type: 'AssignVariableOptions' });
    }
  }
  g.useSubgraph(0);
  g.op('CALL_ONCE', [], [], { type: 'CallOnceOptions', initSubgraphIndex: init });
}

/**
 * Attention with the cache in TFLite resource variables: read, write this
 * position's row with DYNAMIC_UPDATE_SLICE, assign back, and attend over
 * rows `0 .. pos` (mask `rows < pos + 1`). Kept to measure against
 * {@link attendInputCache}; see docs/benchmarks.md.
 *
 * @param start - int32 `[3]` tensor `[0, pos, 0]`
 */
export function attendVariableCache(
  ops: LlamaGraphOps, p: string, d: AttentionDims, layer: number,
  q: TensorRef, kNew: TensorRef, vNew: TensorRef, start: TensorRef, mask: TensorRef,
): TensorRef {
  const { g } = ops;
  const { nKvHeads, kvMul, headSize, seqLen } = d;
  const updated = (kind: 'k' | 'v', row: TensorRef): TensorRef => {
    const handle = g.tensor(`${p}.${kind}_cache.handle`, 'resource', []);
    g.op('VAR_HANDLE', [], [handle], { type: 'VarHandleOptions', sharedName: `${kind}_cache_${layer}` });
    const cache = g.tensor(`${p}.${kind}_cache.read`, 'float32', [nKvHeads, seqLen, headSize]);
    g.op('READ_VARIABLE', [handle], [cache], { type: 'ReadVariableOptions' });
    const next = g.tensor(`${p}.${kind}_cache.next`, 'float32', [nKvHeads, seqLen, headSize]);
    g.op('DYNAMIC_UPDATE_SLICE', [cache, ops.reshape(`${p}.${kind}_row`, row, [nKvHeads, 1, headSize]), start], [next], { type: 'DynamicUpdateSliceOptions' });
    g.op('ASSIGN_VARIABLE', [handle, next], [], { type: 'AssignVariableOptions' });
    return next;
  };
  const kCache = updated('k', kNew);
  const vCache = updated('v', vNew);
  const qGroups = ops.reshape(`${p}.q_groups`, q, [nKvHeads, kvMul, headSize]);
  const scores = g.tensor(`${p}.scores`, 'float32', [nKvHeads, kvMul, seqLen]);
  g.op('BATCH_MATMUL', [qGroups, kCache], [scores], { type: 'BatchMatMulOptions', adjY: true });
  const probs = g.tensor(`${p}.probs`, 'float32', [nKvHeads, kvMul, seqLen]);
  g.op('SOFTMAX', [ops.binary('ADD', `${p}.scores_masked`, scores, mask, [nKvHeads, kvMul, seqLen])], [probs], { type: 'SoftmaxOptions', beta: 1 });
  const mix = g.tensor(`${p}.mix_heads`, 'float32', [nKvHeads, kvMul, headSize]);
  g.op('BATCH_MATMUL', [probs, vCache], [mix], { type: 'BatchMatMulOptions' });
  return ops.reshape(`${p}.mix`, mix, [1, d.dim]);
}
