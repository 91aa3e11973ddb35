/**
 * The constants of a model being compiled: buffers of the file, results of
 * operators folded at compile time, values computed from others. Each is
 * shared by key (one buffer viewed by several tensors is held once), made
 * into a WebAssembly tensor only when an operator asks for it, and written
 * straight into the heap, so a weight matrix never exists as a second
 * JavaScript copy. Internal to the portable backend.
 */
import { TinyEdgeError } from '../../errors.js';
import type { TfliteTensor } from '../../tflite/tflite-model-info.js';
import type { Const, RunnerState, StorageDtype } from './graph-types.js';
import { STORAGE_DTYPES, showShape, sizeOf } from './graph-types.js';
import type { HostValues, Info, WasmKernels } from './wasm-kernels.js';

/** Constant values as a file holds them, before conversion to tfjs storage. */
type RawValues = Float32Array | Int32Array | Int8Array | Uint8Array | Int16Array;

const BYTES_PER: Readonly<Record<string, number>> = { float32: 4, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1 };

/** The sharing key of a constant buffer seen as one tensor's type and shape. */
export function bufferKey(t: TfliteTensor): string {
  return `b${t.buffer}/${t.dtype}/${t.shape.join(',')}`;
}

/** Every constant of one model, by key. */
export class ConstantPool {
  readonly #k: WasmKernels;
  readonly #state: RunnerState;
  readonly #consts = new Map<string, Const>();
  readonly #values = new Map<string, HostValues>();
  #file: Uint8Array | null;

  /**
   * @param k - the kernels, to make tensors
   * @param state - the runner's state, whose `held` list frees the tensors made here
   * @param file - the model file, read until {@link ConstantPool.close}
   */
  constructor(k: WasmKernels, state: RunnerState, file: Uint8Array) {
    this.#k = k;
    this.#state = state;
    this.#file = file;
  }

  /**
   * Forget the file and the host copies of values: after compiling nothing
   * reads them, and closures may keep the pool reachable as long as the runner.
   */
  close(): void {
    this.#file = null;
    this.#values.clear();
  }

  /** The constant in `tensor`'s buffer, which lies at `byteOffset` of the file. */
  fromBuffer(tensor: TfliteTensor, byteOffset: number, byteLength: number, where: string): Const {
    const shape = [...tensor.shape];
    const count = sizeOf(shape);
    const bytesPer = BYTES_PER[tensor.dtype]!;
    if (count * bytesPer !== byteLength) {
      throw new TinyEdgeError(
        'E_MODEL_FORMAT',
        `the portable backend expected ${count * bytesPer} bytes of data for ${where} (${tensor.dtype} ${showShape(shape)}), found ${byteLength}`,
        'The model file is damaged; rebuild the bundle with `tinyedge convert`.',
      );
    }
    return this.#shared(bufferKey(tensor), shape, STORAGE_DTYPES[tensor.dtype]!, null, () => {
      const bytes = this.#file;
      if (bytes === null) throw new Error('portable backend: constant data read after compiling');
      // A view of the file where the offset suits the element type, else a copy.
      const at = bytes.byteOffset + byteOffset;
      const aligned = at % bytesPer === 0;
      const src = aligned ? bytes.buffer : bytes.slice(byteOffset, byteOffset + byteLength).buffer;
      const from = aligned ? at : 0;
      switch (tensor.dtype) {
        case 'float32': return new Float32Array(src, from, count);
        case 'int32': return new Int32Array(src, from, count);
        case 'int8': return new Int8Array(src, from, count);
        case 'uint8': return new Uint8Array(src, from, count);
        case 'int16': return new Int16Array(src, from, count);
        default: return new Uint8Array(src, from, count).map((v) => (v === 0 ? 0 : 1)); // bool
      }
    });
  }

  /** A tensor computed at compile time (a folded operator), which already holds a reference of its own. */
  folded(tensor: Info, id: string): Const {
    this.#state.held.push(tensor);
    return this.#shared(`f${id}`, tensor.shape, tensor.dtype as StorageDtype, tensor, () => this.#k.view(tensor).slice() as RawValues);
  }

  /** A float32 constant computed from others (say, a dequantized matrix), shared by `key`. */
  computed(key: string, shape: number[], values: () => Float32Array): Const {
    return this.#shared(key, shape, 'float32', null, values);
  }

  #shared(key: string, shape: number[], storage: StorageDtype, made: Info | null, raw: () => RawValues): Const {
    const known = this.#consts.get(key);
    if (known) return known;
    const k = this.#k;
    const held = this.#state.held;
    let tensor = made;
    let transposed: Info | null = null;
    const persistent = (dims: number[], write: (dst: HostValues) => void): Info => {
      const t = k.empty(dims, storage);
      write(k.view(t)); // the view is taken after the allocation, which may grow the heap
      held.push(t);
      return t;
    };
    const c: Const = {
      key,
      values: () => {
        let v = this.#values.get(key);
        if (v === undefined) this.#values.set(key, (v = toStorage(raw(), storage)));
        return v;
      },
      tensor: () => (tensor ??= persistent(shape, (dst) => dst.set(raw()))),
      transposed: () => {
        if (transposed) return transposed;
        if (shape.length !== 2) throw new RangeError(`transposed(): constant ${key} is not 2-D`);
        const [rows, cols] = shape as [number, number];
        transposed = persistent([cols, rows], (dst) => {
          const v = raw();
          for (let r = 0; r < rows; r++) {
            const from = r * cols;
            for (let j = 0; j < cols; j++) dst[j * rows + r] = v[from + j]!;
          }
        });
        return transposed;
      },
    };
    this.#consts.set(key, c);
    return c;
  }
}

function toStorage(v: RawValues, storage: StorageDtype): HostValues {
  if (storage === 'float32') return v instanceof Float32Array ? v : Float32Array.from(v);
  if (storage === 'int32') return v instanceof Int32Array ? v : Int32Array.from(v);
  return v instanceof Uint8Array ? v : Uint8Array.from(v);
}
