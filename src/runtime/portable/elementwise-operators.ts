/**
 * Element-wise TFLite operators on tfjs: arithmetic with broadcasting and
 * fused activations, unary math, comparisons, selection and casts.
 * Internal to the portable backend.
 */
import { BuiltinOptions, Slots } from '../../tflite/schema.js';
import type { OpCompiler, OpContext } from './graph-types.js';
import { showShape, sizeOf } from './graph-types.js';
import type { Info, WasmKernels } from './wasm-kernels.js';
import { SMALL_ELEMENTWISE_LIMIT, broadcastPlan, smallBinary, smallUnary } from './small-elementwise.js';
import type { SmallBinary, SmallUnary } from './small-elementwise.js';
import { broadcastInputs, broadcastShapes, expectDtype, expectSameDtype, fusedActivation, maybe } from './op-helpers.js';

type Binary = (a: Info, b: Info) => Info;

/**
 * A binary operation as a function of two tensors: in JavaScript for small
 * outputs (see `small-elementwise.ts`), else the kernel.
 */
function binary(ctx: OpContext, op: SmallBinary, kernel: Binary, shape: number[], dtype: 'float32' | 'int32' | 'bool'): Binary {
  if (sizeOf(shape) > SMALL_ELEMENTWISE_LIMIT) return kernel;
  return smallBinary(ctx.k, op, broadcastPlan(ctx.input(0).meta.shape, ctx.input(1).meta.shape, shape), shape, dtype);
}

/** ADD, SUB and MUL: float32 or int32, NumPy broadcasting, an optional fused activation (float only). */
function arithmetic(op: 'add' | 'sub' | 'mul', pick: (k: WasmKernels) => Binary, optionsType: number, activationSlot: number): OpCompiler {
  return (ctx) => {
    const a = ctx.input(0);
    const b = ctx.input(1);
    expectDtype(ctx, a, ['float32', 'int32']);
    expectSameDtype(ctx, a, b);
    const shape = broadcastInputs(ctx, 0, 1);
    const act = fusedActivation(ctx, ctx.options(optionsType).byte(activationSlot));
    if (act !== null && a.meta.dtype !== 'float32') ctx.unsupported('a fused activation on int32 values');
    const f = binary(ctx, op, pick(ctx.k), shape, a.meta.dtype as 'float32' | 'int32');
    return { outputs: [{ shape, dtype: a.meta.dtype }], run: ([x, y]) => [maybe(act, f(x!, y!))] };
  };
}

/** A float32 function of one float32 tensor (in JavaScript for small tensors). */
function unary(op: SmallUnary, pick: (k: WasmKernels) => (t: Info) => Info): OpCompiler {
  return (ctx) => {
    const x = ctx.input(0);
    expectDtype(ctx, x, ['float32']);
    // Math.exp, sin and cos cost tens of nanoseconds each: past a few dozen values the SIMD kernel wins.
    const limit = op === 'rsqrt' || op === 'square' ? SMALL_ELEMENTWISE_LIMIT : 64;
    const f = sizeOf(x.meta.shape) > limit ? pick(ctx.k) : smallUnary(ctx.k, op);
    return { outputs: [{ shape: [...x.meta.shape], dtype: 'float32' }], run: ([t]) => [f(t!)] };
  };
}

/** LESS and GREATER: float32 or int32 with broadcasting, a bool result. */
function comparison(op: 'less' | 'greater', pick: (k: WasmKernels) => Binary): OpCompiler {
  return (ctx) => {
    const a = ctx.input(0);
    expectDtype(ctx, a, ['float32', 'int32']);
    expectSameDtype(ctx, a, ctx.input(1));
    const shape = broadcastInputs(ctx, 0, 1);
    const f = binary(ctx, op, pick(ctx.k), shape, 'bool');
    return { outputs: [{ shape, dtype: 'bool' }], run: ([x, y]) => [f(x!, y!)] };
  };
}

/**
 * SELECT (v1): `cond` of the operands' shape, or a vector choosing whole
 * rows along the first axis. SELECT_V2: the three inputs broadcast.
 */
function select(v2: boolean): OpCompiler {
  return (ctx) => {
    const { k } = ctx;
    const cond = ctx.input(0);
    const a = ctx.input(1);
    const b = ctx.input(2);
    expectDtype(ctx, cond, ['bool'], 'condition');
    expectSameDtype(ctx, a, b);
    let shape: number[];
    let condShape = cond.meta.shape;
    if (v2) {
      const ab = broadcastShapes(a.meta.shape, b.meta.shape);
      const all = ab && broadcastShapes(cond.meta.shape, ab);
      shape = all ?? ctx.invalid(`condition and operands that broadcast, found ${showShape(cond.meta.shape)}, ${showShape(a.meta.shape)}, ${showShape(b.meta.shape)}`);
    } else {
      shape = [...a.meta.shape];
      const same = (x: readonly number[], y: readonly number[]): boolean => x.length === y.length && x.every((d, i) => d === y[i]);
      if (!same(a.meta.shape, b.meta.shape)) ctx.invalid(`operands of one shape, found ${showShape(a.meta.shape)} and ${showShape(b.meta.shape)}`);
      if (condShape.length === 1 && shape.length > 1 && condShape[0] === shape[0]) {
        condShape = [shape[0]!, ...new Array<number>(shape.length - 1).fill(1)];
      } else if (!same(condShape, shape)) {
        ctx.invalid(`a condition of shape ${showShape(shape)} or [${shape[0]}], found ${showShape(condShape)}`);
      }
    }
    // The Select kernel wants all three in the result's shape (its row-vector condition mode picks the wrong elements).
    const rowVector = condShape !== cond.meta.shape;
    const full = (t: Info): Info => (sameShape(t.shape, shape) ? t : k.broadcastTo(t, shape));
    return {
      outputs: [{ shape, dtype: a.meta.dtype }],
      run: ([c, x, y]) => [k.select(full(rowVector ? k.reshape(c!, condShape) : c!), full(x!), full(y!))],
    };
  };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Wrap-around ranges of the small integer types, as C++'s conversions to them wrap. */
const INT_RANGES: Readonly<Record<string, { min: number; span: number }>> = {
  int8: { min: -128, span: 256 },
  uint8: { min: 0, span: 256 },
  int16: { min: -32768, span: 65536 },
};

/** CAST between float32, int32, bool, int8, uint8 and int16, with C++'s truncation toward zero. */
const cast: OpCompiler = (ctx) => {
  const { k } = ctx;
  const x = ctx.input(0);
  const from = x.meta.dtype;
  const to = ctx.outputs[0]?.dtype ?? ctx.invalid('one output');
  if (from === 'resource' || to === 'resource') ctx.unsupported('a resource cast');
  const outputs = [{ shape: [...x.meta.shape], dtype: to }];
  const smallInt = (d: string): boolean => d in INT_RANGES;
  let f: (t: Info) => Info;
  if (from === to || (to === 'float32' && smallInt(from))) {
    f = (t) => t; // same storage, same values
  } else if (to === 'bool') {
    f = (t) => k.notEqual(t, k.tensor([0], [], t.dtype));
  } else if (to === 'float32') {
    f = (t) => k.cast(t, 'float32');
  } else if (to === 'int32') {
    f = (t) => k.cast(t, 'int32'); // toward zero, as C++
  } else if (smallInt(to)) {
    const { min, span } = INT_RANGES[to]!;
    // int8 and uint8 values fit int16; every other conversion to a small type may wrap.
    const fits = (from === 'int8' || from === 'uint8') && to === 'int16';
    f = (t) => {
      const whole = k.cast(k.cast(t, 'int32'), 'float32');
      if (fits) return whole;
      return k.sub(whole, k.mul(k.scalar(span), k.floor(k.div(k.sub(whole, k.scalar(min)), k.scalar(span)))));
    };
  } else {
    return ctx.unsupported(`a cast from ${from} to ${to}`);
  }
  return { outputs, run: ([t]) => [f(t!)] };
};

const O = BuiltinOptions;
const S = Slots;

/** Element-wise operators by builtin code. */
export const ELEMENTWISE_OPERATORS: Readonly<Record<number, OpCompiler>> = {
  0: arithmetic('add', (k) => (a, b) => k.add(a, b), O.AddOptions, S.AddOptions.fusedActivation), // ADD
  41: arithmetic('sub', (k) => (a, b) => k.sub(a, b), O.SubOptions, S.SubOptions.fusedActivation), // SUB
  18: arithmetic('mul', (k) => (a, b) => k.mul(a, b), O.MulOptions, S.MulOptions.fusedActivation), // MUL
  14: unary('sigmoid', (k) => (x) => k.sigmoid(x)), // LOGISTIC
  66: unary('sin', (k) => (x) => k.sin(x)), // SIN
  108: unary('cos', (k) => (x) => k.cos(x)), // COS
  76: unary('rsqrt', (k) => (x) => k.rsqrt(x)), // RSQRT
  92: unary('square', (k) => (x) => k.square(x)), // SQUARE
  58: comparison('less', (k) => (a, b) => k.less(a, b)), // LESS
  61: comparison('greater', (k) => (a, b) => k.greater(a, b)), // GREATER
  64: select(false), // SELECT
  123: select(true), // SELECT_V2
  53: cast, // CAST
};
