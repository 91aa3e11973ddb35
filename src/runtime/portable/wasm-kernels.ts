/**
 * A thin, typed layer over tfjs-backend-wasm's kernels, called directly
 * (`getKernel(name, 'wasm').kernelFunc`) rather than through tfjs-core's
 * ops: shapes and types were checked when the graph was compiled, so each
 * op is one kernel call with no tensor objects, scopes or re-validation
 * (2 to 3 times less overhead per op, which is most of a tiny model's step).
 *
 * Every result joins the current invoke's arena and is freed by
 * {@link WasmKernels.flush}; values that must outlive an invoke (constants,
 * variables) hold a reference of their own through {@link WasmKernels.hold}.
 * Internal to the portable backend.
 */
import type { DataType, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { Tf } from './load-tfjs-wasm.js';

/** A tensor as the WebAssembly backend knows it: data id, shape, type. */
export type Info = TensorInfo;

/** Host arrays of each storage type. */
export type HostValues = Float32Array | Int32Array | Uint8Array;

/** The parts of tfjs-backend-wasm's `BackendWasm` used here (public methods of the class). */
export interface WasmBackendApi {
  makeOutput(shape: number[], dtype: DataType): Info;
  typedArrayFromHeap(t: Info): HostValues;
  incRef(dataId: object): void;
  disposeData(dataId: object, force?: boolean): boolean;
}

const KERNELS = [
  'Add', 'Sub', 'Multiply', 'RealDiv', 'Less', 'Greater', 'NotEqual', 'Floor', 'Sigmoid', 'Sin', 'Cos', 'Rsqrt', 'Square',
  'Relu', 'Relu6', 'Tanh', 'ClipByValue', 'Reshape', 'Cast', 'BatchMatMul', 'Concat', 'Transpose', 'GatherV2', 'Mean', 'Sum',
  'Softmax', 'Select', 'Tile',
] as const;
type KernelName = (typeof KERNELS)[number];

/** The WebAssembly kernels the portable backend calls, with an arena for what one invoke makes. */
export class WasmKernels {
  /** The backend, for reading and writing tensor data in the WebAssembly heap. */
  readonly backend: WasmBackendApi;
  readonly #kernels: Record<KernelName, KernelFunc>;
  readonly #arena: Info[] = [];

  /**
   * @param tf - tfjs-core, to look the kernels up
   * @param backend - the initialised WebAssembly backend (`tf.findBackend('wasm')`)
   */
  constructor(tf: Tf, backend: object) {
    this.backend = backend as WasmBackendApi;
    const kernels: Partial<Record<KernelName, KernelFunc>> = {};
    for (const name of KERNELS) {
      const k = tf.getKernel(name, 'wasm');
      if (k === undefined) throw new Error(`tfjs-backend-wasm has no ${name} kernel`);
      kernels[name] = k.kernelFunc;
    }
    this.#kernels = kernels as Record<KernelName, KernelFunc>;
  }

  #run(name: KernelName, inputs: Record<string, Info> | Info[], attrs: NamedAttrMap = {}): Info {
    const out = this.#kernels[name]({ inputs: inputs as never, backend: this.backend as never, attrs }) as Info;
    this.#arena.push(out);
    return out;
  }

  /** Free everything made since the last flush (values held elsewhere keep their own reference). */
  flush(): void {
    const arena = this.#arena;
    for (let i = 0; i < arena.length; i++) this.backend.disposeData(arena[i]!.dataId);
    arena.length = 0;
  }

  /** Take a reference of its own on `t`, so it outlives the arena; give it back with {@link WasmKernels.release}. */
  hold(t: Info): Info {
    this.backend.incRef(t.dataId);
    return t;
  }

  /** Give back a reference taken with {@link WasmKernels.hold} or {@link WasmKernels.persistent}. */
  release(t: Info): void {
    this.backend.disposeData(t.dataId);
  }

  /** A new tensor holding a copy of `values`, freed with the arena. */
  tensor(values: ArrayLike<number>, shape: number[], dtype: DataType): Info {
    const out = this.backend.makeOutput(shape, dtype);
    this.backend.typedArrayFromHeap(out).set(values);
    this.#arena.push(out);
    return out;
  }

  /** A new tensor holding a copy of `values`, not in the arena: free it with {@link WasmKernels.release}. */
  persistent(values: ArrayLike<number>, shape: number[], dtype: DataType): Info {
    const out = this.backend.makeOutput(shape, dtype);
    this.backend.typedArrayFromHeap(out).set(values);
    return out;
  }

  /** A new, uninitialised tensor outside the arena: free it with {@link WasmKernels.release}. */
  empty(shape: number[], dtype: DataType): Info {
    return this.backend.makeOutput(shape, dtype);
  }

  /** A new, uninitialised tensor, freed with the arena. */
  output(shape: number[], dtype: DataType): Info {
    const out = this.backend.makeOutput(shape, dtype);
    this.#arena.push(out);
    return out;
  }

  /** A copy of `x`, freed with the arena. */
  copy(x: Info): Info {
    const out = this.backend.makeOutput(x.shape, x.dtype);
    this.#arena.push(out);
    // Views only after the allocation: growing the heap detaches older views.
    this.backend.typedArrayFromHeap(out).set(this.backend.typedArrayFromHeap(x));
    return out;
  }

  /** A view of `t`'s data in the WebAssembly heap: read it before the next kernel call (the heap may grow). */
  view(t: Info): HostValues {
    return this.backend.typedArrayFromHeap(t);
  }

  /** A float32 scalar. */
  scalar(v: number): Info {
    return this.tensor([v], [], 'float32');
  }

  /** A tensor of `shape` filled with `value`. */
  fill(shape: number[], value: number, dtype: DataType): Info {
    const out = this.backend.makeOutput(shape, dtype);
    this.backend.typedArrayFromHeap(out).fill(value);
    this.#arena.push(out);
    return out;
  }

  add(a: Info, b: Info): Info { return this.#run('Add', { a, b }); }
  sub(a: Info, b: Info): Info { return this.#run('Sub', { a, b }); }
  mul(a: Info, b: Info): Info { return this.#run('Multiply', { a, b }); }
  div(a: Info, b: Info): Info { return this.#run('RealDiv', { a, b }); }
  less(a: Info, b: Info): Info { return this.#run('Less', { a, b }); }
  greater(a: Info, b: Info): Info { return this.#run('Greater', { a, b }); }
  notEqual(a: Info, b: Info): Info { return this.#run('NotEqual', { a, b }); }
  floor(x: Info): Info { return this.#run('Floor', { x }); }
  sigmoid(x: Info): Info { return this.#run('Sigmoid', { x }); }
  sin(x: Info): Info { return this.#run('Sin', { x }); }
  cos(x: Info): Info { return this.#run('Cos', { x }); }
  rsqrt(x: Info): Info { return this.#run('Rsqrt', { x }); }
  square(x: Info): Info { return this.#run('Square', { x }); }
  relu(x: Info): Info { return this.#run('Relu', { x }); }
  relu6(x: Info): Info { return this.#run('Relu6', { x }); }
  tanh(x: Info): Info { return this.#run('Tanh', { x }); }
  clip(x: Info, min: number, max: number): Info { return this.#run('ClipByValue', { x }, { clipValueMin: min, clipValueMax: max }); }
  /** Same data, another shape (no copy). */
  reshape(x: Info, shape: number[]): Info { return this.#run('Reshape', { x }, { shape }); }
  /** Converts with JavaScript's typed-array rules: toward zero for integers (not for bool: use `notEqual`). */
  cast(x: Info, dtype: DataType): Info { return this.#run('Cast', { x }, { dtype }); }
  matMul(a: Info, b: Info, transposeA = false, transposeB = false): Info { return this.#run('BatchMatMul', { a, b }, { transposeA, transposeB }); }
  concat(xs: Info[], axis: number): Info { return this.#run('Concat', xs, { axis }); }
  transpose(x: Info, perm: number[]): Info { return this.#run('Transpose', { x }, { perm }); }
  gather(x: Info, indices: Info, axis: number, batchDims = 0): Info { return this.#run('GatherV2', { x, indices }, { axis, batchDims }); }
  mean(x: Info, axis: number[], keepDims: boolean): Info { return this.#run('Mean', { x }, { axis, keepDims }); }
  sum(x: Info, axis: number[], keepDims: boolean): Info { return this.#run('Sum', { x }, { axis, keepDims }); }
  /** Softmax over the last axis. */
  softmax(x: Info): Info { return this.#run('Softmax', { logits: x }, { dim: x.shape.length - 1 }); }
  /** `condition ? t : e` element-wise; the three of one shape (or a condition vector over the first axis). */
  select(condition: Info, t: Info, e: Info): Info { return this.#run('Select', { condition, t, e }); }
  tile(x: Info, reps: number[]): Info { return this.#run('Tile', { x }, { reps }); }

  /** `x` broadcast to `shape` (NumPy rules), copied. */
  broadcastTo(x: Info, shape: number[]): Info {
    const padded = [...new Array<number>(shape.length - x.shape.length).fill(1), ...x.shape];
    const reps = shape.map((d, i) => (padded[i] === d ? 1 : d));
    const base = padded.length === x.shape.length ? x : this.reshape(x, padded);
    return reps.every((r) => r === 1) ? base : this.tile(base, reps);
  }

  /**
   * The block of `x` at `begin` of `size`, copied row by row through the heap
   * (tfjs-backend-wasm's own slice copies the whole input out first).
   */
  slice(x: Info, begin: readonly number[], size: number[]): Info {
    const out = this.backend.makeOutput(size, x.dtype);
    this.#arena.push(out);
    const src = this.backend.typedArrayFromHeap(x);
    const dst = this.backend.typedArrayFromHeap(out);
    const shape = x.shape;
    const rank = shape.length;
    if (rank === 0) {
      dst.set(src.subarray(0, 1));
      return out;
    }
    const strides = new Array<number>(rank);
    strides[rank - 1] = 1;
    for (let i = rank - 2; i >= 0; i--) strides[i] = strides[i + 1]! * shape[i + 1]!;
    // One block when the slice has size 1 on every axis before some axis p and is whole on every axis after it.
    let p = 0;
    while (p < rank - 1 && size[p] === 1) p++;
    let contiguous = true;
    for (let i = p + 1; i < rank; i++) if (size[i] !== shape[i]) contiguous = false;
    if (contiguous) {
      let offset = 0;
      for (let i = 0; i < rank; i++) offset += begin[i]! * strides[i]!;
      const n = dst.length;
      dst.set(src.subarray(offset, offset + n));
      return out;
    }
    const row = size[rank - 1]!;
    let rows = 1;
    for (let i = 0; i < rank - 1; i++) rows *= size[i]!;
    const at = new Array<number>(rank - 1).fill(0);
    for (let r = 0; r < rows; r++) {
      let offset = begin[rank - 1]!;
      for (let i = 0; i < rank - 1; i++) offset += (begin[i]! + at[i]!) * strides[i]!;
      dst.set(src.subarray(offset, offset + row), r * row);
      for (let i = rank - 2; i >= 0; i--) {
        if (++at[i]! < size[i]!) break;
        at[i] = 0;
      }
    }
    return out;
  }

  /** `x` cut along `axis` into pieces of `sizes`. */
  split(x: Info, sizes: readonly number[], axis: number): Info[] {
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[axis] = s;
      const piece = this.slice(x, begin, size);
      begin[axis]! += s;
      return piece;
    });
  }
}
