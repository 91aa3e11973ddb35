/**
 * TFLite reductions on tfjs: MEAN and SUM over constant axes, and SOFTMAX
 * over the last axis. Internal to the portable backend.
 */
import { BuiltinOptions, Slots } from '../../tflite/schema.js';
import type { OpCompiler } from './graph-types.js';
import { sizeOf } from './graph-types.js';
import { SMALL_ELEMENTWISE_LIMIT } from './small-elementwise.js';
import type { Info, WasmKernels } from './wasm-kernels.js';
import { expectDtype, normalizeAxis } from './op-helpers.js';

/** MEAN (float32) and SUM (float32 or int32) over constant axes, keeping them as size 1 when `keep_dims`. */
function reducer(mean: boolean, pick: (k: WasmKernels) => (x: Info, axes: number[], keep: boolean) => Info, dtypes: string[]): OpCompiler {
  return (ctx) => {
    const x = ctx.input(0);
    expectDtype(ctx, x, dtypes);
    const rank = x.meta.shape.length;
    const axes = [...new Set(ctx.constValues(1, 'axes').map((a) => normalizeAxis(ctx, a, rank)))];
    const keep = ctx.options(BuiltinOptions.ReducerOptions).bool(Slots.ReducerOptions.keepDims);
    const shape = keep ? x.meta.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.meta.shape.filter((_, i) => !axes.includes(i));
    const sorted = [...axes].sort((a, b) => a - b);
    const trailing = sorted.every((a, i) => a === rank - sorted.length + i);
    if (trailing && sizeOf(x.meta.shape) <= SMALL_ELEMENTWISE_LIMIT && x.meta.dtype === 'float32') {
      // RMSNorm's mean over the last axis of one row: a loop, not a kernel call.
      const { k } = ctx;
      const inner = sizeOf(x.meta.shape.slice(rank - sorted.length));
      const outer = sizeOf(x.meta.shape) / Math.max(inner, 1);
      const divide = mean ? inner : 1;
      return {
        outputs: [{ shape, dtype: x.meta.dtype }],
        run: ([t]) => {
          const out = k.output(shape, 'float32');
          const dst = k.view(out);
          const src = k.view(t!);
          for (let o = 0; o < outer; o++) {
            let sum = 0;
            for (let i = o * inner; i < (o + 1) * inner; i++) sum += src[i]!;
            dst[o] = sum / divide;
          }
          return [out];
        },
        skipInputs: [1],
      };
    }
    const f = pick(ctx.k);
    return { outputs: [{ shape, dtype: x.meta.dtype }], run: ([t]) => [f(t!, axes, keep)], skipInputs: [1] };
  };
}

/** SOFTMAX over the last axis of `beta * x` (the schema's default beta is 0). */
const softmax: OpCompiler = (ctx) => {
  const { k } = ctx;
  const x = ctx.input(0);
  expectDtype(ctx, x, ['float32']);
  if (x.meta.shape.length === 0) ctx.invalid('an input of rank 1 or more');
  const beta = ctx.options(BuiltinOptions.SoftmaxOptions).float(Slots.SoftmaxOptions.beta, 0);
  return {
    outputs: [{ shape: [...x.meta.shape], dtype: 'float32' }],
    run: ([t]) => [k.softmax(beta === 1 ? t! : k.mul(t!, k.scalar(beta)))],
  };
};

/** Reductions by builtin code. */
export const REDUCE_OPERATORS: Readonly<Record<number, OpCompiler>> = {
  40: reducer(true, (k) => (x, axes, keep) => k.mean(x, axes, keep), ['float32']), // MEAN
  74: reducer(false, (k) => (x, axes, keep) => k.sum(x, axes, keep), ['float32', 'int32']), // SUM
  25: softmax, // SOFTMAX
};
