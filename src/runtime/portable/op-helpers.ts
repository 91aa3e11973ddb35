/**
 * Small helpers the portable backend's operators share: broadcasting,
 * fused activations, axes, and reading small run-time values.
 * Internal to the portable backend.
 */
import { TinyEdgeError } from '../../errors.js';
import { Activation } from '../../tflite/schema.js';
import type { OpContext, OpInput } from './graph-types.js';
import { showShape } from './graph-types.js';
import type { Info, WasmKernels } from './wasm-kernels.js';

/** NumPy broadcasting of two static shapes, as TFLite's binary operators do; null when they do not broadcast. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | null {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** The broadcast shape of inputs `i` and `j`, or an `E_MODEL_FORMAT` error naming the operator. */
export function broadcastInputs(ctx: OpContext, i: number, j: number): number[] {
  const a = ctx.input(i).meta.shape;
  const b = ctx.input(j).meta.shape;
  return broadcastShapes(a, b) ?? ctx.invalid(`inputs of shapes ${showShape(a)} and ${showShape(b)} that broadcast`);
}

/**
 * A fused activation as a function on tensors (null for NONE). TFLite's
 * float kernels only clamp (RELU, RELU6, RELU_N1_TO_1) and ignore TANH and
 * SIGN_BIT in most operators while applying them in others, so those two
 * are refused rather than guessed.
 */
export function fusedActivation(ctx: OpContext, code: number): ((t: Info) => Info) | null {
  const { k } = ctx;
  switch (code) {
    case Activation.NONE: return null;
    case Activation.RELU: return (t) => k.relu(t);
    case Activation.RELU_N1_TO_1: return (t) => k.clip(t, -1, 1);
    case Activation.RELU6: return (t) => k.relu6(t);
    default: return ctx.unsupported(`fused activation ${code}`);
  }
}

/** An axis in `[-rank, rank)` as a non-negative one. */
export function normalizeAxis(ctx: OpContext, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1)) ctx.invalid(`an axis in [${-rank}, ${rank}), found ${axis}`);
  return axis < 0 ? axis + rank : axis;
}

/** Refuse an input whose element type is not one of `dtypes`. */
export function expectDtype(ctx: OpContext, input: OpInput, dtypes: readonly string[], role = 'input'): void {
  if (!dtypes.includes(input.meta.dtype)) {
    if (['int8', 'uint8', 'int16'].includes(input.meta.dtype) && dtypes.includes('float32')) {
      ctx.unsupported(`quantized (${input.meta.dtype}) ${role} "${input.meta.name}"; the portable backend runs float graphs with int8 weights`);
    }
    ctx.invalid(`${role} "${input.meta.name}" of type ${dtypes.join(' or ')}, found ${input.meta.dtype}`);
  }
}

/** Refuse two inputs of different element types. */
export function expectSameDtype(ctx: OpContext, a: OpInput, b: OpInput): void {
  if (a.meta.dtype !== b.meta.dtype) ctx.invalid(`inputs of one type, found ${a.meta.dtype} and ${b.meta.dtype}`);
}

/** The values of a small tensor, read straight from the WebAssembly heap (a copy). */
export function readValues(k: WasmKernels, t: Info): number[] {
  return Array.from(k.view(t));
}

/** The first value of a tensor, read straight from the WebAssembly heap. */
export function readScalar(k: WasmKernels, t: Info): number {
  return k.view(t)[0] ?? 0;
}

/** An error a run-time value causes (an index out of range), as `E_INFERENCE`. */
export function runtimeError(where: string, message: string): TinyEdgeError {
  return new TinyEdgeError('E_INFERENCE', `${where}: ${message}`, 'Check the values written to the model inputs (token ids below the vocabulary size, positions inside the context).');
}

/** Apply `f` to `t` unless `f` is null. */
export function maybe(f: ((t: Info) => Info) | null, t: Info): Info {
  return f === null ? t : f(t);
}
