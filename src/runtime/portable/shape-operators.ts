/**
 * TFLite operators that move data without arithmetic, on tfjs: RESHAPE,
 * CONCATENATION, SPLIT, SPLIT_V, SLICE, TRANSPOSE and FILL. Shapes are
 * static: inputs that decide a shape must be constants.
 * Internal to the portable backend.
 */
import { BuiltinOptions, Slots } from '../../tflite/schema.js';
import type { OpCompiler, OpContext } from './graph-types.js';
import { STORAGE_DTYPES, showShape, sizeOf } from './graph-types.js';
import type { Info } from './wasm-kernels.js';
import { expectDtype, fusedActivation, maybe, normalizeAxis, readScalar, readValues, runtimeError } from './op-helpers.js';

/** Resolve a single -1 in `target` so that it holds `count` elements. */
function stretch(ctx: OpContext, target: number[], count: number): number[] {
  const known = target.filter((d) => d !== -1);
  const unknown = target.length - known.length;
  if (unknown > 1 || known.some((d) => !Number.isInteger(d) || d < 0)) ctx.invalid(`a shape with at most one -1, found ${showShape(target)}`);
  const product = sizeOf(known);
  const out = unknown === 0 ? target : target.map((d) => (d === -1 ? (product === 0 ? 0 : count / product) : d));
  if (sizeOf(out) !== count || out.some((d) => !Number.isInteger(d))) ctx.invalid(`a shape of ${count} elements, found ${showShape(target)}`);
  return out;
}

/** RESHAPE: the shape comes from the second input when it is an int32 vector (TFLite's rule), else from the options. */
const reshape: OpCompiler = (ctx) => {
  const { k } = ctx;
  const x = ctx.input(0);
  const shapeInput = ctx.inputs[1];
  let target: number[];
  if (shapeInput && shapeInput.meta.shape.length === 1 && shapeInput.meta.dtype === 'int32') {
    target = ctx.constValues(1, 'shape');
  } else {
    target = ctx.options(BuiltinOptions.ReshapeOptions).ints(Slots.ReshapeOptions.newShape);
    if (target.length === 1 && target[0] === 0) target = []; // a scalar, in TFLite's spelling
  }
  const shape = stretch(ctx, target, sizeOf(x.meta.shape));
  return { outputs: [{ shape, dtype: x.meta.dtype }], run: ([t]) => [k.reshape(t!, shape)], skipInputs: [1] };
};

/** CONCATENATION along one axis, with an optional fused activation. */
const concatenation: OpCompiler = (ctx) => {
  const { k } = ctx;
  const parts = ctx.inputs.map((x, i) => x ?? ctx.input(i));
  const first = parts[0] ?? ctx.invalid('at least one input');
  const options = ctx.options(BuiltinOptions.ConcatenationOptions);
  const rank = first.meta.shape.length;
  const axis = normalizeAxis(ctx, options.int(Slots.ConcatenationOptions.axis), rank);
  const shape = [...first.meta.shape];
  shape[axis] = 0;
  for (const p of parts) {
    if (p.meta.dtype !== first.meta.dtype) ctx.invalid(`inputs of one type, found ${first.meta.dtype} and ${p.meta.dtype}`);
    const ok = p.meta.shape.length === rank && p.meta.shape.every((d, i) => i === axis || d === first.meta.shape[i]);
    if (!ok) ctx.invalid(`inputs that agree except along axis ${axis}, found ${showShape(first.meta.shape)} and ${showShape(p.meta.shape)}`);
    shape[axis]! += p.meta.shape[axis]!;
  }
  const act = fusedActivation(ctx, options.byte(Slots.ConcatenationOptions.fusedActivation));
  if (act !== null && first.meta.dtype !== 'float32') ctx.unsupported('a fused activation on non-float values');
  // Block copies over the heap, laid out once: `batch` runs of each input's trailing block in turn.
  const batch = sizeOf(shape.slice(0, axis));
  const blocks = parts.map((p) => sizeOf(p.meta.shape.slice(axis)));
  const row = blocks.reduce((a, b) => a + b, 0);
  const storage = STORAGE_DTYPES[first.meta.dtype]!;
  const join = (xs: readonly (Info | undefined)[]): Info => {
    const out = k.output(shape, storage);
    const dst = k.view(out);
    let at = 0;
    for (let i = 0; i < xs.length; i++) {
      const src = k.view(xs[i]!);
      const n = blocks[i]!;
      for (let b = 0; b < batch; b++) dst.set(src.subarray(b * n, (b + 1) * n), b * row + at);
      at += n;
    }
    return out;
  };
  return { outputs: [{ shape, dtype: first.meta.dtype }], run: (xs) => [maybe(act, join(xs))] };
};

/** Output shapes of splitting `shape` along `axis` into pieces of `sizes`. */
function splitShapes(shape: readonly number[], axis: number, sizes: readonly number[]): number[][] {
  return sizes.map((s) => shape.map((d, i) => (i === axis ? s : d)));
}

/** SPLIT: inputs (axis, x); `num_splits` equal parts. */
const split: OpCompiler = (ctx) => {
  const { k } = ctx;
  const x = ctx.input(1);
  const count = ctx.options(BuiltinOptions.SplitOptions).int(Slots.SplitOptions.numSplits, ctx.outputs.length);
  const axis = normalizeAxis(ctx, ctx.constValues(0, 'axis')[0] ?? 0, x.meta.shape.length);
  const dim = x.meta.shape[axis]!;
  if (count !== ctx.outputs.length || count < 1 || dim % count !== 0) ctx.invalid(`${ctx.outputs.length} equal parts of axis ${axis} (size ${dim}), found num_splits ${count}`);
  const sizes = new Array<number>(count).fill(dim / count);
  const shapes = splitShapes(x.meta.shape, axis, sizes);
  return { outputs: shapes.map((shape) => ({ shape, dtype: x.meta.dtype })), run: ([, t]) => k.split(t!, sizes, axis), skipInputs: [0] };
};

/** SPLIT_V: inputs (x, size_splits, axis); one size may be -1. */
const splitV: OpCompiler = (ctx) => {
  const { k } = ctx;
  const x = ctx.input(0);
  const axis = normalizeAxis(ctx, ctx.constValues(2, 'axis')[0] ?? 0, x.meta.shape.length);
  const dim = x.meta.shape[axis]!;
  const raw = ctx.constValues(1, 'split sizes');
  const rest = dim - raw.filter((s) => s !== -1).reduce((a, b) => a + b, 0);
  const sizes = raw.map((s) => (s === -1 ? rest : s));
  if (sizes.length !== ctx.outputs.length || sizes.some((s) => !Number.isInteger(s) || s < 0) || sizes.reduce((a, b) => a + b, 0) !== dim) {
    ctx.invalid(`${ctx.outputs.length} split sizes adding up to ${dim}, found [${raw.join(', ')}]`);
  }
  const shapes = splitShapes(x.meta.shape, axis, sizes);
  return { outputs: shapes.map((shape) => ({ shape, dtype: x.meta.dtype })), run: ([t]) => k.split(t!, sizes, axis), skipInputs: [1, 2] };
};

/** SLICE: `size` must be constant; `begin` may be computed at run time (checked against the bounds each run). */
const slice: OpCompiler = (ctx) => {
  const { k } = ctx;
  const x = ctx.input(0);
  const dims = x.meta.shape;
  const sizes = ctx.constValues(2, 'size');
  if (sizes.length !== dims.length) ctx.invalid(`a size per axis of ${showShape(dims)}, found ${sizes.length}`);
  const beginConst = ctx.input(1).constant !== null ? ctx.constValues(1, 'begin') : null;
  if (beginConst === null && sizes.includes(-1)) ctx.unsupported('a size of -1 with a begin computed at run time');
  const check = (begin: readonly number[], size: readonly number[]): string | null =>
    begin.length === dims.length && begin.every((b, i) => b >= 0 && b + size[i]! <= dims[i]!) ? null : `begin [${begin.join(', ')}] size [${size.join(', ')}] leaves ${showShape(dims)}`;
  const shape = beginConst === null ? sizes : sizes.map((s, i) => (s === -1 ? dims[i]! - beginConst[i]! : s));
  if (beginConst !== null) {
    const problem = check(beginConst, shape);
    if (problem !== null) ctx.invalid(`a slice inside its input, found ${problem}`);
    return { outputs: [{ shape, dtype: x.meta.dtype }], run: ([t]) => [k.slice(t!, beginConst, shape)], skipInputs: [1, 2] };
  }
  return {
    outputs: [{ shape, dtype: x.meta.dtype }],
    run: ([t, b]) => {
      const begin = readValues(k, b!);
      const problem = check(begin, shape);
      if (problem !== null) throw runtimeError(ctx.where, problem);
      return [k.slice(t!, begin, shape)];
    },
    skipInputs: [2],
  };
};

/** TRANSPOSE by a constant permutation. */
const transpose: OpCompiler = (ctx) => {
  const { k } = ctx;
  const x = ctx.input(0);
  const perm = ctx.constValues(1, 'permutation');
  const rank = x.meta.shape.length;
  if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) ctx.invalid(`a permutation of ${rank} axes, found [${perm.join(', ')}]`);
  const shape = perm.map((p) => x.meta.shape[p]!);
  return { outputs: [{ shape, dtype: x.meta.dtype }], run: ([t]) => [k.transpose(t!, perm)], skipInputs: [1] };
};

/** FILL: constant dims, a scalar value (constant, or read at run time). */
const fill: OpCompiler = (ctx) => {
  const { k } = ctx;
  const dims = ctx.input(0);
  expectDtype(ctx, dims, ['int32'], 'dims');
  const shape = ctx.constValues(0, 'dims');
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) ctx.invalid(`non-negative dims, found [${shape.join(', ')}]`);
  const value = ctx.input(1);
  if (sizeOf(value.meta.shape) !== 1) ctx.invalid(`a scalar value, found ${showShape(value.meta.shape)}`);
  const dtype = value.meta.dtype;
  const storage = STORAGE_DTYPES[dtype]!;
  return {
    outputs: [{ shape, dtype }],
    run: ([, v]) => [k.fill(shape, readScalar(k, v!), storage)],
    skipInputs: [0],
  };
};

/** Shape operators by builtin code. */
export const SHAPE_OPERATORS: Readonly<Record<number, OpCompiler>> = {
  22: reshape, // RESHAPE
  2: concatenation, // CONCATENATION
  49: split, // SPLIT
  102: splitV, // SPLIT_V
  65: slice, // SLICE
  39: transpose, // TRANSPOSE
  94: fill, // FILL
};
