/**
 * TFLite operators that index into tensors, on tfjs: GATHER and
 * DYNAMIC_UPDATE_SLICE, with their indices checked (TFLite reports an error
 * for an index out of range; WebAssembly would read or write stray memory).
 * Internal to the portable backend.
 */
import { BuiltinOptions, Slots } from '../../tflite/schema.js';
import type { OpCompiler } from './graph-types.js';
import { STORAGE_DTYPES, showShape, sizeOf } from './graph-types.js';
import { SMALL_ELEMENTWISE_LIMIT } from './small-elementwise.js';
import type { Info } from './wasm-kernels.js';
import { expectDtype, expectSameDtype, normalizeAxis, readValues, runtimeError } from './op-helpers.js';

/**
 * GATHER along `axis` with `batch_dims`. A constant 2-D table gathered
 * along axis 0 whose transpose a FULLY_CONNECTED also uses (a tied
 * classifier) is read from the transposed copy, so the table is held once.
 */
const gather: OpCompiler = (ctx) => {
  const { k } = ctx;
  const params = ctx.input(0);
  const indices = ctx.input(1);
  expectDtype(ctx, indices, ['int32'], 'indices');
  const options = ctx.options(BuiltinOptions.GatherOptions);
  const p = params.meta.shape;
  const q = indices.meta.shape;
  const axis = normalizeAxis(ctx, options.int(Slots.GatherOptions.axis), p.length);
  let batchDims = options.int(Slots.GatherOptions.batchDims);
  if (batchDims < 0) batchDims += q.length;
  if (batchDims < 0 || batchDims > axis || batchDims > q.length || p.slice(0, batchDims).some((d, i) => d !== q[i])) {
    ctx.invalid(`batch_dims that params ${showShape(p)} and indices ${showShape(q)} share, found ${options.int(Slots.GatherOptions.batchDims)}`);
  }
  const shape = [...p.slice(0, axis), ...q.slice(batchDims), ...p.slice(axis + 1)];
  const limit = p[axis]!;
  const outOfRange = (values: ArrayLike<number>): number | undefined => Array.prototype.find.call(values, (v: number) => v < 0 || v >= limit) as number | undefined;
  const constant = indices.constant;
  if (constant !== null) {
    const bad = outOfRange(constant.values());
    if (bad !== undefined) ctx.invalid(`indices in [0, ${limit}), found ${bad}`);
  }
  const checked = (idx: Info): void => {
    if (constant !== null) return;
    const bad = outOfRange(k.view(idx));
    if (bad !== undefined) throw runtimeError(ctx.where, `index ${bad} is outside [0, ${limit}) of "${params.meta.name}"`);
  };
  const table = params.constant;
  if (table !== null && p.length === 2 && axis === 0 && batchDims === 0 && ctx.prefersTransposed(table)) {
    const transposed = table.transposed(); // [cols, rows]
    const cols = p[1]!;
    const count = sizeOf(q);
    const storage = STORAGE_DTYPES[params.meta.dtype]!;
    return {
      outputs: [{ shape, dtype: params.meta.dtype }],
      run: ([, idx]) => {
        checked(idx!);
        // Row r of the table is column r of its transpose: a strided read.
        const out = k.output(shape, storage);
        const dst = k.view(out);
        const src = k.view(transposed);
        const ids = k.view(idx!);
        for (let j = 0; j < count; j++) {
          const r = ids[j]!;
          for (let c = 0; c < cols; c++) dst[j * cols + c] = src[c * limit + r]!;
        }
        return [out];
      },
      skipInputs: [0],
    };
  }
  if (batchDims === 0 && sizeOf(shape) <= SMALL_ELEMENTWISE_LIMIT) {
    // Small gathers (RoPE's pair swap, one embedding row) as a copy loop over the heap:
    // the kernel reads the indices back and checks them one closure call each.
    const outer = sizeOf(p.slice(0, axis));
    const inner = sizeOf(p.slice(axis + 1));
    const count = sizeOf(q);
    const storage = STORAGE_DTYPES[params.meta.dtype]!;
    return {
      outputs: [{ shape, dtype: params.meta.dtype }],
      run: ([x, idx]) => {
        checked(idx!);
        const out = k.output(shape, storage);
        const dst = k.view(out);
        const src = k.view(x!);
        const ids = k.view(idx!);
        for (let o = 0; o < outer; o++) {
          for (let j = 0; j < count; j++) {
            const from = (o * limit + ids[j]!) * inner;
            const to = (o * count + j) * inner;
            if (inner === 1) dst[to] = src[from]!;
            else dst.set(src.subarray(from, from + inner), to);
          }
        }
        return [out];
      },
    };
  }
  return {
    outputs: [{ shape, dtype: params.meta.dtype }],
    run: ([x, idx]) => {
      checked(idx!);
      return [k.gather(x!, idx!, axis, batchDims)];
    },
  };
};

/**
 * DYNAMIC_UPDATE_SLICE: a copy of the operand with `update` written at
 * `start`, each start clamped so that the update fits, as TFLite does.
 */
const dynamicUpdateSlice: OpCompiler = (ctx) => {
  const { k } = ctx;
  const operand = ctx.input(0);
  const update = ctx.input(1);
  const start = ctx.input(2);
  expectSameDtype(ctx, operand, update);
  expectDtype(ctx, start, ['int32'], 'start indices');
  const d = operand.meta.shape;
  const u = update.meta.shape;
  const rank = d.length;
  if (u.length !== rank || u.some((n, i) => n > d[i]!)) ctx.invalid(`an update of rank ${rank} that fits ${showShape(d)}, found ${showShape(u)}`);
  if (sizeOf(start.meta.shape) !== rank) ctx.invalid(`${rank} start indices, found ${showShape(start.meta.shape)}`);
  const strides = d.map((_, i) => sizeOf(d.slice(i + 1)));
  const rowLength = rank === 0 ? 1 : u[rank - 1]!;
  const rows = rank === 0 ? 1 : sizeOf(u.slice(0, -1));
  return {
    outputs: [{ shape: [...d], dtype: operand.meta.dtype }],
    run: ([x, upd, s]) => {
      const begin = readValues(k, s!).map((v, i) => Math.min(Math.max(0, v), d[i]! - u[i]!));
      const result = k.copy(x!);
      const out = k.view(result);
      const src = k.view(upd!);
      // Walk the update row by row (its last axis is contiguous in both tensors).
      const at = new Array<number>(Math.max(rank - 1, 0)).fill(0);
      for (let r = 0; r < rows; r++) {
        let offset = rank === 0 ? 0 : begin[rank - 1]! * strides[rank - 1]!;
        for (let i = 0; i < rank - 1; i++) offset += (begin[i]! + at[i]!) * strides[i]!;
        out.set(src.subarray(r * rowLength, (r + 1) * rowLength), offset);
        for (let i = rank - 2; i >= 0; i--) {
          if (++at[i]! < u[i]!) break;
          at[i] = 0;
        }
      }
      return [result];
    },
  };
};

/** Indexing operators by builtin code. */
export const INDEX_OPERATORS: Readonly<Record<number, OpCompiler>> = {
  36: gather, // GATHER
  151: dynamicUpdateSlice, // DYNAMIC_UPDATE_SLICE
};
