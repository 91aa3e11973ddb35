import { TinyEdgeError } from '../../errors.js';
import { readTfliteModel } from '../../tflite/read-tflite-model.js';
import { TENSOR_TYPE_BYTES } from '../../tflite/schema.js';
import type { ModelRunner, RunnerOptions, RunnerTensor } from '../runner.js';
import { compileGraph } from './compile-graph.js';
import type { CompiledSubgraph, RunnerState, StorageDtype, TensorMeta } from './graph-types.js';
import { STORAGE_DTYPES, sizeOf } from './graph-types.js';
import { loadTfjsWasm } from './load-tfjs-wasm.js';
import type { TfjsWasm } from './load-tfjs-wasm.js';
import { readOperatorOptions } from './read-operator-options.js';

/** Largest tensor a model may ask for, as the native runner allows. */
const MAX_TENSOR_BYTES = 1 << 30;

type HostArray = Float32Array | Int32Array | Int8Array | Uint8Array | Int16Array;

const HOST_ARRAYS: Readonly<Record<string, new (n: number) => HostArray>> = {
  float32: Float32Array,
  int32: Int32Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  bool: Uint8Array,
};

/** One input or output of the portable runner: a host buffer the caller reads and writes. */
class HostTensor implements RunnerTensor {
  readonly id: number;
  readonly name: string;
  readonly dataType: string;
  readonly shape: string;
  /** Static dimensions. */
  readonly dims: number[];
  /** How tfjs holds it. */
  readonly storage: StorageDtype;
  readonly #data: HostArray;

  constructor(id: number, meta: TensorMeta) {
    this.id = id;
    this.name = meta.name;
    this.dataType = meta.dtype;
    this.dims = [...meta.shape];
    this.shape = meta.shape.join(',');
    this.storage = STORAGE_DTYPES[meta.dtype]!;
    this.#data = new HOST_ARRAYS[meta.dtype]!(sizeOf(meta.shape));
  }

  data(): HostArray {
    return this.#data;
  }

  /** The buffer as tfjs takes it for this tensor's storage type (copied when the types differ). */
  forTfjs(): Float32Array | Int32Array | Uint8Array {
    const d = this.#data;
    if (this.storage === 'float32') return d instanceof Float32Array ? d : Float32Array.from(d);
    if (this.storage === 'int32') return d as Int32Array;
    return d as Uint8Array;
  }
}

/**
 * The portable backend's interpreter: a TFLite model compiled by
 * `createPortableRunner` into closures over tfjs ops on the WebAssembly
 * backend. Same contract as the native runner (one host buffer per input and
 * output, reused across calls; `infer()` is synchronous); `dispose()` frees
 * the WebAssembly memory its weights and state hold.
 */
export class PortableRunner implements ModelRunner {
  /** Which backend this is. */
  readonly backend = 'portable' as const;
  /** Whether the WebAssembly backend runs its SIMD build. */
  readonly simd: boolean;
  /** Threads the WebAssembly backend uses. */
  readonly threads: number;
  readonly #tfjs: TfjsWasm;
  readonly #main: CompiledSubgraph;
  readonly #state: RunnerState;
  readonly #inputs: HostTensor[];
  readonly #outputs: HostTensor[];
  #disposed = false;

  /** @internal */
  constructor(tfjs: TfjsWasm, main: CompiledSubgraph, state: RunnerState) {
    this.#tfjs = tfjs;
    this.#main = main;
    this.#state = state;
    this.simd = tfjs.simd;
    this.threads = tfjs.threads;
    this.#inputs = main.inputs.map((m, i) => new HostTensor(i, m));
    this.#outputs = main.outputs.map((m, i) => new HostTensor(i, m));
  }

  getInputs(): RunnerTensor[] {
    return [...this.#inputs];
  }

  getOutputs(): RunnerTensor[] {
    return [...this.#outputs];
  }

  infer(): boolean {
    if (this.#disposed) throw new TinyEdgeError('E_CLOSED', 'the portable runner was disposed', 'Create the runner again.');
    const k = this.#tfjs.kernels;
    const inputs = this.#inputs;
    const outputs = this.#outputs;
    try {
      const values = inputs.map((t) => k.tensor(t.forTfjs(), t.dims, t.storage));
      const results = this.#main.call(values);
      for (let i = 0; i < outputs.length; i++) outputs[i]!.data().set(k.view(results[i]!));
    } finally {
      k.flush();
    }
    return true;
  }

  /** Free the runner's tensors (weights, variables). Further `infer()` calls fail with `E_CLOSED`. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    releaseState(this.#tfjs, this.#state);
  }
}

/**
 * Create a portable-backend interpreter for a `.tflite` flatbuffer: the
 * model is read with tinyedge's own reader and compiled into tfjs ops on the
 * WebAssembly backend (XNNPACK, SIMD where the CPU has it). Runs every
 * operator tinyedge's graph writer emits, on any platform Node runs on.
 *
 * @param model - the flatbuffer's bytes (read while compiling; the runner keeps no reference)
 * @param options - `threads`, a hint: Node runs tfjs-backend-wasm's single-threaded build
 * @throws TinyEdgeError `E_BACKEND_UNAVAILABLE` when tfjs or its WebAssembly backend cannot load,
 *   `E_MODEL_FORMAT` for a damaged model, `E_MODEL_UNSUPPORTED` naming an operator or tensor type it does not run
 * @example
 * ```ts
 * const runner = await createPortableRunner(await readFile('model.tflite'));
 * ```
 */
export async function createPortableRunner(model: Uint8Array, options: RunnerOptions = {}): Promise<PortableRunner> {
  const info = readTfliteModel(model); // E_MODEL_FORMAT on any structural fault
  for (const sg of info.subgraphs) {
    for (const t of sg.tensors) {
      const bytes = t.shape.reduce((n, d) => n * Math.max(d, 0), 1) * (TENSOR_TYPE_BYTES[t.type] ?? 8);
      if (bytes > MAX_TENSOR_BYTES) {
        throw new TinyEdgeError('E_MODEL_FORMAT', `tensor "${t.name}" [${t.shape.join(', ')}] ${t.dtype} would take ${bytes} bytes`, 'The model file is damaged; rebuild the bundle with `tinyedge convert`.');
      }
    }
  }
  if (info.subgraphs.length === 0) {
    throw new TinyEdgeError('E_MODEL_FORMAT', 'the model has no subgraphs', 'The model file is damaged; rebuild the bundle with `tinyedge convert`.');
  }
  const operatorOptions = readOperatorOptions(model);
  const tfjs = await loadTfjsWasm(options.threads ?? 1);
  const state: RunnerState = { variables: new Map(), calledOnce: new Set(), held: [] };
  try {
    const main = compileGraph({ k: tfjs.kernels, bytes: model, info, options: operatorOptions, state });
    return new PortableRunner(tfjs, main, state);
  } catch (err) {
    tfjs.kernels.flush();
    releaseState(tfjs, state);
    throw err;
  }
}

/** Give back every reference the runner's constants and variables hold. */
function releaseState(tfjs: TfjsWasm, state: RunnerState): void {
  const k = tfjs.kernels;
  for (const t of state.variables.values()) k.release(t);
  for (const t of state.held) k.release(t);
  state.variables.clear();
  state.held.length = 0;
}
