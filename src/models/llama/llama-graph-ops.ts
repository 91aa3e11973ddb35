import type { GraphBuilder, TensorRef } from '../../tflite/graph-builder.js';
import { quantizeRowsInt8 } from './quantize-rows-int8.js';

/**
 * How int8 matrices are applied. `hybrid`: TFLite's hybrid FULLY_CONNECTED
 * (activations quantized on the fly, integer dot products; half the memory
 * traffic of float). `dequantize`: a DEQUANTIZE of the constant, which TFLite
 * computes once at the first invoke, feeding a float FULLY_CONNECTED (exact
 * weight-only quantization, float speed, float memory at run time).
 */
export type Int8Kernel = 'hybrid' | 'dequantize' | 'auto';

/**
 * With `auto`, matrices with fewer elements than this run dequantized: the
 * hybrid kernel's per-call cost (quantizing the input, the scale MUL) only
 * pays off once a matrix is large enough for memory traffic to dominate.
 * Measured on the stories260K (largest matrix 32K elements: dequantize 12%
 * faster) and stories15M (smallest 249K: hybrid 2.2x faster) shapes.
 */
export const HYBRID_MIN_ELEMENTS = 65_536;

/** Buffer indices of a stored matrix: float values, or int8 values with per-row scales. */
export interface WeightBuffers {
  values: number;
  scales?: number;
}

/**
 * The handful of composite operations a llama graph is made of, written once
 * over a {@link GraphBuilder}: float or int8 linear layers, element-wise
 * arithmetic, reshapes, splits and RMS normalization.
 *
 * @internal
 */
export class LlamaGraphOps {
  readonly #normEps: number;
  #normConstants: { eps: TensorRef; axis: TensorRef } | null = null;

  /**
   * @param g - the graph under construction; constants go into its current subgraph
   * @param quantize - how matrices are stored
   * @param normEps - RMSNorm epsilon
   * @param int8Kernel - how int8 matrices run
   * @param store - buffers already written, by weight name: subgraphs that
   *   use the same weights (one per attention window) share one copy
   */
  constructor(
    readonly g: GraphBuilder,
    readonly quantize: 'none' | 'int8',
    normEps: number,
    readonly int8Kernel: Int8Kernel = 'auto',
    readonly store = new Map<string, WeightBuffers>(),
  ) {
    this.#normEps = normEps;
  }

  /** Ops for another subgraph of the same graph, sharing stored weights. */
  sibling(): LlamaGraphOps {
    return new LlamaGraphOps(this.g, this.quantize, this.#normEps, this.int8Kernel, this.store);
  }

  /**
   * `out = x · Wᵀ` for a row-major `[rows, cols]` matrix, stored as float32 or
   * int8 per row. `w` is only called the first time a weight name is seen.
   */
  linear(name: string, x: TensorRef, w: () => Float32Array, rows: number, cols: number, outName = name): TensorRef {
    const out = this.g.tensor(outName, 'float32', [1, rows]);
    const buffers = this.weights(name, w, rows, cols);
    if (this.quantize === 'none') {
      const wt = this.g.constantFromBuffer(`${name}.weight`, 'float32', [rows, cols], buffers.values);
      this.g.op('FULLY_CONNECTED', [x, wt, null], [out], { type: 'FullyConnectedOptions' });
      return out;
    }
    return this.int8Linear(name, x, buffers, rows, cols, out);
  }

  /** The stored buffers of weight `name`, writing them on first use. */
  weights(name: string, w: () => Float32Array, rows: number, cols: number): WeightBuffers {
    let buffers = this.store.get(name);
    if (!buffers) {
      if (this.quantize === 'none') {
        buffers = { values: this.g.buffer(w()) };
      } else {
        const quantized = quantizeRowsInt8(w(), rows, cols);
        buffers = { values: this.g.buffer(quantized.values), scales: this.g.buffer(quantized.scales) };
      }
      this.store.set(name, buffers);
    }
    return buffers;
  }

  /**
   * An int8 matrix with per-row scales (see {@link LlamaGraphOps.weights})
   * applied to float activations.
   */
  int8Linear(name: string, x: TensorRef, buffers: WeightBuffers, rows: number, cols: number, out: TensorRef): TensorRef {
    const valuesBuffer = buffers.values;
    const kernel = this.int8Kernel === 'auto' ? (rows * cols < HYBRID_MIN_ELEMENTS ? 'dequantize' : 'hybrid') : this.int8Kernel;
    // Scale 1 and per-row scales as a MUL afterwards: TFLite 2.9's hybrid
    // FULLY_CONNECTED reads a single weight scale, and per-channel parameters
    // would cost 12 bytes a row in the flatbuffer against 4 in a buffer.
    const wt = this.g.constantFromBuffer(`${name}.weight`, 'int8', [rows, cols], valuesBuffer, { scale: [1] });
    let weights = wt;
    if (kernel === 'dequantize') {
      weights = this.g.tensor(`${name}.weight_f32`, 'float32', [rows, cols]);
      this.g.op('DEQUANTIZE', [wt], [weights]);
    }
    const raw = this.g.tensor(`${name}.raw`, 'float32', [1, rows]);
    this.g.op('FULLY_CONNECTED', [x, weights, null], [raw], { type: 'FullyConnectedOptions', asymmetricQuantizeInputs: kernel === 'hybrid' });
    const scales = this.g.constantFromBuffer(`${name}.scale`, 'float32', [rows], buffers.scales!);
    this.g.op('MUL', [raw, scales], [out], { type: 'MulOptions' });
    return out;
  }

  /** Element-wise ADD or MUL with broadcasting; `shape` is the result's. */
  binary(op: 'ADD' | 'MUL', name: string, a: TensorRef, b: TensorRef, shape: readonly number[]): TensorRef {
    const out = this.g.tensor(name, 'float32', shape);
    this.g.op(op, [a, b], [out], op === 'ADD' ? { type: 'AddOptions' } : { type: 'MulOptions' });
    return out;
  }

  /** A float32 RESHAPE. */
  reshape(name: string, x: TensorRef, shape: readonly number[]): TensorRef {
    const out = this.g.tensor(name, 'float32', shape);
    this.g.op('RESHAPE', [x, this.g.int32(`${name}.shape`, shape)], [out], { type: 'ReshapeOptions', newShape: shape });
    return out;
  }

  /** SPLIT_V of a float32 tensor along `axis` into parts of the given sizes. */
  splitV(name: string, x: TensorRef, sizes: readonly number[], axis: number, shapes: readonly (readonly number[])[], names: readonly string[] = []): TensorRef[] {
    const outs = shapes.map((s, i) => this.g.tensor(names[i] ?? `${name}.${i}`, 'float32', s));
    this.g.op('SPLIT_V', [x, this.g.int32(`${name}.sizes`, sizes), this.g.int32(`${name}.axis`, [axis], [])], outs, { type: 'SplitVOptions', numSplits: sizes.length });
    return outs;
  }

  /** `x / rms(x)` over the last axis of a `[1, width]` tensor; the norm's weight is folded elsewhere. */
  normalize(name: string, x: TensorRef): TensorRef {
    const width = x.shape[1]!;
    const sq = this.binary('MUL', `${name}.sq`, x, x, [1, width]);
    const ms = this.g.tensor(`${name}.ms`, 'float32', [1, 1]);
    this.#normConstants ??= { eps: this.g.float32('norm.eps', [this.#normEps], [1]), axis: this.g.int32('norm.axis', [1], [1]) };
    this.g.op('MEAN', [sq, this.#normConstants.axis], [ms], { type: 'ReducerOptions', keepDims: true });
    const r = this.g.tensor(`${name}.rsqrt`, 'float32', [1, 1]);
    this.g.op('RSQRT', [this.binary('ADD', `${name}.ms_eps`, ms, this.#normConstants.eps, [1, 1])], [r]);
    return this.binary('MUL', `${name}.out`, x, r, [1, width]);
  }
}
