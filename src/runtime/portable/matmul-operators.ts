/**
 * TFLite's matrix operators on tfjs: FULLY_CONNECTED (float, and hybrid:
 * float activations with int8 weights), BATCH_MATMUL, and DEQUANTIZE.
 *
 * Constant weights are held transposed (`[in, out]`), once: tfjs-backend-wasm
 * sends an untransposed single-batch product to XNNPACK, which packs the
 * weights at the first call and keeps them; any other layout takes a scalar
 * loop several times slower. Internal to the portable backend.
 */
import { BuiltinOptions, Slots } from '../../tflite/schema.js';
import type { Const, OpCompiler, OpContext, OpInput } from './graph-types.js';
import { showShape, sizeOf } from './graph-types.js';
import type { Info } from './wasm-kernels.js';
import { broadcastShapes, expectDtype, fusedActivation, maybe } from './op-helpers.js';
import { quantizeAsymmetric, quantizeSymmetric } from './quantize-activations.js';

/** Products with at most this many multiply-adds run as a JavaScript loop instead of a kernel call. */
const TINY_PRODUCT = 1024;

/** Per-tensor or per-channel (along axis 0, one per output unit) weight scales of a hybrid matrix. */
function weightScales(ctx: OpContext, w: OpInput, units: number): { scale: number; perChannel: Float32Array | null } {
  const q = w.meta.quantization;
  const scales = q?.scale ?? [];
  if (q?.zeroPoint.some((z) => z !== 0)) ctx.unsupported(`int8 weights "${w.meta.name}" with a non-zero zero point`);
  if (scales.length <= 1) return { scale: scales[0] ?? 1, perChannel: null };
  if (scales.length !== units || q!.quantizedDimension !== 0) ctx.invalid(`one weight scale, or one per output unit (${units}), found ${scales.length} along axis ${q!.quantizedDimension}`);
  return { scale: 1, perChannel: Float32Array.from(scales) };
}

/**
 * FULLY_CONNECTED: `x · Wᵀ + bias` with `W` as `[units, in]` and `x` seen as
 * `[batch, in]`; the result keeps `x`'s leading dimensions when `keep_num_dims`.
 * With int8 weights and float input it is TFLite's hybrid kernel: each input
 * row quantized to int8 (asymmetrically when `asymmetric_quantize_inputs`),
 * integer dot products, then the input and weight scales.
 */
const fullyConnected: OpCompiler = (ctx) => {
  const { k } = ctx;
  const x = ctx.input(0);
  const w = ctx.input(1);
  const bias = ctx.inputs[2] ?? null;
  const options = ctx.options(BuiltinOptions.FullyConnectedOptions);
  const S = Slots.FullyConnectedOptions;
  if (options.byte(S.weightsFormat) !== 0) ctx.unsupported('shuffled weights (weights_format)');
  const act = fusedActivation(ctx, options.byte(S.fusedActivation));
  expectDtype(ctx, x, ['float32']);
  if (w.meta.shape.length !== 2) ctx.invalid(`2-D weights, found ${showShape(w.meta.shape)}`);
  const [units, depth] = w.meta.shape as [number, number];
  const count = sizeOf(x.meta.shape);
  if (depth === 0 || count % depth !== 0) ctx.invalid(`an input whose size is a multiple of ${depth}, found ${showShape(x.meta.shape)}`);
  const batch = count / depth;
  const shape = options.bool(S.keepNumDims) ? [...x.meta.shape.slice(0, -1), units] : [batch, units];
  if (options.bool(S.keepNumDims) && x.meta.shape[x.meta.shape.length - 1] !== depth) ctx.invalid(`an input whose last axis is ${depth} with keep_num_dims, found ${showShape(x.meta.shape)}`);
  if (bias !== null) {
    expectDtype(ctx, bias, ['float32'], 'bias');
    if (sizeOf(bias.meta.shape) !== units) ctx.invalid(`a bias of ${units} values, found ${showShape(bias.meta.shape)}`);
  }
  const outputs = [{ shape, dtype: 'float32' }];
  const flat = x.meta.shape.length === 2 && x.meta.shape[0] === batch;
  const as2d = (t: Info): Info => (flat ? t : k.reshape(t, [batch, depth]));
  const finish = (y: Info, b: Info | undefined): Info => {
    const withBias = b === undefined ? y : k.add(y, k.reshape(b, [units]));
    const out = maybe(act, withBias);
    return shape.length === 2 ? out : k.reshape(out, shape);
  };
  const transposed = (c: Const | null): Info | null => (c === null ? null : c.transposed());

  if (w.meta.dtype === 'float32') {
    const wt = transposed(w.constant);
    if (wt !== null) {
      return { outputs, run: ([t, , b]) => [finish(k.matMul(as2d(t!), wt), b)], skipInputs: [1] };
    }
    return { outputs, run: ([t, m, b]) => [finish(k.matMul(as2d(t!), m!, false, true), b)] };
  }
  if (w.meta.dtype !== 'int8') ctx.unsupported(`${w.meta.dtype} weights`);
  const weightConst = w.constant ?? ctx.unsupported('int8 weights computed at run time');
  const { scale, perChannel } = weightScales(ctx, w, units);
  const wt = weightConst.transposed(); // the int8 values, as float32
  const channelScales = perChannel === null ? null : ctx.hold(k.persistent(perChannel, [1, units], 'float32'));
  const asymmetric = options.bool(S.asymmetricQuantizeInputs);
  const quantize = asymmetric ? quantizeAsymmetric : quantizeSymmetric;
  const centered = new Float32Array(count);
  const factors = new Float32Array(batch);
  return {
    outputs,
    run: ([t, , b]) => {
      const values = k.view(t!) as Float32Array;
      for (let r = 0; r < batch; r++) factors[r] = Math.fround(quantize(values, r * depth, depth, centered) * scale);
      // Integer-valued operands: float32 sums are exact while they stay below 2^24, as the int32 dot products are.
      const dots = k.matMul(k.tensor(centered, [batch, depth], 'float32'), wt);
      let y = k.mul(dots, batch === 1 ? k.scalar(factors[0]!) : k.tensor(factors, [batch, 1], 'float32'));
      if (channelScales !== null) y = k.mul(y, channelScales);
      return [finish(y, b)];
    },
    skipInputs: [1],
  };
};

/**
 * BATCH_MATMUL: `[..., M, K] · [..., K, N]` with `adj_x`/`adj_y` transposing
 * the last two axes and the leading axes broadcast. A constant 2-D right
 * operand runs as one fully-connected product over all rows.
 */
const batchMatMul: OpCompiler = (ctx) => {
  const { k } = ctx;
  const a = ctx.input(0);
  const b = ctx.input(1);
  expectDtype(ctx, a, ['float32']);
  expectDtype(ctx, b, ['float32']);
  const options = ctx.options(BuiltinOptions.BatchMatMulOptions);
  const adjX = options.bool(Slots.BatchMatMulOptions.adjX);
  const adjY = options.bool(Slots.BatchMatMulOptions.adjY);
  const as = a.meta.shape;
  const bs = b.meta.shape;
  if (as.length < 2 || bs.length < 2) ctx.invalid(`operands of rank 2 or more, found ${showShape(as)} and ${showShape(bs)}`);
  const [m, inner] = adjX ? [as.at(-1)!, as.at(-2)!] : [as.at(-2)!, as.at(-1)!];
  const [inner2, n] = adjY ? [bs.at(-1)!, bs.at(-2)!] : [bs.at(-2)!, bs.at(-1)!];
  if (inner !== inner2) ctx.invalid(`operands whose inner dimensions agree, found ${showShape(as)} and ${showShape(bs)} (adj_x ${adjX}, adj_y ${adjY})`);
  const batch = broadcastShapes(as.slice(0, -2), bs.slice(0, -2)) ?? ctx.invalid(`batch dimensions that broadcast, found ${showShape(as)} and ${showShape(bs)}`);
  const shape = [...batch, m, n];
  const outputs = [{ shape, dtype: 'float32' }];
  if (b.constant !== null && bs.length === 2 && !adjX) {
    const weights = adjY ? b.constant.transposed() : b.constant.tensor();
    return { outputs, run: ([x]) => [k.reshape(k.matMul(k.reshape(x!, [-1, inner]), weights), shape)], skipInputs: [1] };
  }
  const batches = sizeOf(batch);
  if (batches * m * n * inner <= TINY_PRODUCT && sizeOf(as.slice(0, -2)) === batches && sizeOf(bs.slice(0, -2)) === batches) {
    // A product of a few hundred multiply-adds (attention's score for the token's own key) costs
    // less as a loop than as a kernel call.
    const [sam, sak] = adjX ? [1, m] : [inner, 1]; // strides of a's row (m) and depth (k) indices
    const [sbk, sbn] = adjY ? [1, inner] : [n, 1];
    return {
      outputs,
      run: ([x, y]) => {
        const out = k.output(shape, 'float32');
        const dst = k.view(out);
        const a = k.view(x!);
        const b = k.view(y!);
        for (let t = 0; t < batches; t++) {
          const ao = t * m * inner;
          const bo = t * inner * n;
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < n; j++) {
              let sum = 0;
              for (let d = 0; d < inner; d++) sum += a[ao + i * sam + d * sak]! * b[bo + d * sbk + j * sbn]!;
              dst[(t * m + i) * n + j] = sum;
            }
          }
        }
        return [out];
      },
    };
  }
  const full = (s: readonly number[]): number[] => [...batch, ...s.slice(-2)];
  const same = (s: readonly number[], t: readonly number[]): boolean => s.length === t.length && s.every((d, i) => d === t[i]);
  const aShape = full(as);
  const bShape = full(bs);
  // tfjs-backend-wasm indexes both operands by the output's batch: broadcast them explicitly.
  const expandA = !same(as, aShape);
  const expandB = !same(bs, bShape);
  return {
    outputs,
    run: ([x, y]) => [k.matMul(expandA ? k.broadcastTo(x!, aShape) : x!, expandB ? k.broadcastTo(y!, bShape) : y!, adjX, adjY)],
  };
};

/**
 * DEQUANTIZE of int8, uint8 or int16: `scale * (q - zero_point)`, per tensor
 * or per channel. Of a constant (the usual case) it is computed once; with
 * scale 1 and zero point 0 it shares the constant's own tensors.
 */
const dequantize: OpCompiler = (ctx) => {
  const { k } = ctx;
  const x = ctx.input(0);
  expectDtype(ctx, x, ['int8', 'uint8', 'int16']);
  const q = x.meta.quantization;
  const scales = q?.scale.length ? q.scale : [1];
  const zeros = q?.zeroPoint.length ? q.zeroPoint : scales.map(() => 0);
  const shape = [...x.meta.shape];
  const axis = q?.quantizedDimension ?? 0;
  if (scales.length > 1 && (axis >= shape.length || shape[axis] !== scales.length || zeros.length !== scales.length)) {
    ctx.invalid(`one scale and zero point per slice of axis ${axis} of ${showShape(shape)}, found ${scales.length}`);
  }
  const outputs = [{ shape, dtype: 'float32' }];
  const trivial = scales.length === 1 && scales[0] === 1 && (zeros[0] ?? 0) === 0;
  const inner = scales.length > 1 ? sizeOf(shape.slice(axis + 1)) : 0;
  const channels = scales.length;
  const c = x.constant;
  if (c !== null) {
    if (trivial) return { outputs, run: () => [], constants: [c] };
    const values = (): Float32Array => {
      const raw = c.values();
      const out = new Float32Array(raw.length);
      for (let i = 0; i < raw.length; i++) {
        const ch = channels > 1 ? Math.floor(i / inner) % channels : 0;
        out[i] = Math.fround(scales[ch]! * (raw[i]! - zeros[ch]!));
      }
      return out;
    };
    return { outputs, run: () => [], constants: [ctx.constant(`${c.key}|dequantize`, shape, values)] };
  }
  const broadcast = shape.map((d, i) => (channels > 1 && i === axis ? d : 1));
  const scaleT = ctx.hold(k.persistent(scales, channels > 1 ? broadcast : [], 'float32'));
  const zeroT = ctx.hold(k.persistent(zeros, channels > 1 ? broadcast : [], 'float32'));
  return { outputs, run: ([t]) => [trivial ? t! : k.mul(k.sub(t!, zeroT), scaleT)] };
};

/** Matrix operators by builtin code. */
export const MATMUL_OPERATORS: Readonly<Record<number, OpCompiler>> = {
  9: fullyConnected, // FULLY_CONNECTED
  126: batchMatMul, // BATCH_MATMUL
  6: dequantize, // DEQUANTIZE
};
