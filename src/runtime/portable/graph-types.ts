/**
 * Types shared by the portable backend's graph compiler and its operators.
 * Internal: nothing here is part of the public API.
 */
import type { TfliteQuantization } from '../../tflite/tflite-model-info.js';
import type { OptionsTable } from './read-operator-options.js';
import type { HostValues, Info, WasmKernels } from './wasm-kernels.js';

/** How tfjs holds a TFLite element type: int8, uint8 and int16 as integer-valued float32. */
export type StorageDtype = 'float32' | 'int32' | 'bool';

/** The TFLite element types the portable backend runs, and their tfjs storage. */
export const STORAGE_DTYPES: Readonly<Record<string, StorageDtype>> = {
  float32: 'float32',
  int32: 'int32',
  bool: 'bool',
  int8: 'float32',
  uint8: 'float32',
  int16: 'float32',
};

/** A tensor as the compiler knows it: its static shape and TFLite element type. */
export interface TensorMeta {
  /** Tensor name from the file. */
  name: string;
  /** TFLite element type name, e.g. `float32`, `int8`, `resource`. */
  dtype: string;
  /** Static dimensions. */
  shape: number[];
  /** Quantization parameters from the file, if any. */
  quantization: TfliteQuantization | null;
}

/**
 * A value known before the first run: a constant buffer of the file or the
 * result of an operator whose inputs are all constant. Its tfjs tensors are
 * made on first use and kept until the runner is disposed.
 */
export interface Const {
  /** Identity for sharing: equal keys hold equal values (one buffer used by several tensors). */
  readonly key: string;
  /** Values in storage form (int8 as float32, bool as 0/1 bytes). */
  values(): HostValues;
  /** The tensor (made on first use, held until the runner is disposed). */
  tensor(): Info;
  /** For a 2-D constant `[rows, cols]`: its transpose `[cols, rows]` (fully-connected weights, for XNNPACK's fast path). */
  transposed(): Info;
}

/** One input of an operator at compile time. */
export interface OpInput {
  /** Index of the tensor in its subgraph. */
  index: number;
  /** Static description. */
  meta: TensorMeta;
  /** The value, when it is known before the first run. */
  constant: Const | null;
}

/**
 * What an operator compiles to. `run` maps input tensors (undefined for an
 * omitted optional input) to output tensors; whatever it makes with the
 * kernels joins the invoke's arena and is freed when the invoke ends.
 */
export interface OpPlan {
  /** The outputs' static shapes and TFLite element types, checked against the file. */
  outputs: Array<{ shape: number[]; dtype: string }>;
  /** The computation, run once per invoke (or once at load when every input is constant and `pure`). */
  run(inputs: ReadonlyArray<Info | undefined>): Info[];
  /** False for operators with effects (variables, CALL_ONCE, IF), which are never folded. Default true. */
  pure?: boolean;
  /** Inputs `run` does not read because the plan captured their constant value itself (say, transposed). */
  skipInputs?: number[];
  /** Outputs already known as constants (e.g. a DEQUANTIZE of a constant, sharing its buffer): `run` is never called. */
  constants?: Const[];
}

/** A compiled subgraph: call it with its inputs, get its outputs. */
export interface CompiledSubgraph {
  /** Subgraph index in the file. */
  readonly index: number;
  /** Its inputs, in order. */
  readonly inputs: readonly TensorMeta[];
  /** Its outputs, in order. */
  readonly outputs: readonly TensorMeta[];
  /** Run it (its results belong to the kernels' arena). */
  call(inputs: readonly Info[]): Info[];
}

/** State an interpreter carries from one invoke to the next. */
export interface RunnerState {
  /** Resource variables by `container/shared_name`; each value holds a reference of its own. */
  readonly variables: Map<string, Info>;
  /** CALL_ONCE operators that have run, by operator. */
  readonly calledOnce: Set<string>;
  /** References held for as long as the runner lives (constants), given back by `dispose()`. */
  readonly held: Info[];
}

/** Everything an operator implementation sees while it is compiled. */
export interface OpContext {
  /** The WebAssembly kernels. */
  readonly k: WasmKernels;
  /** The operator's name, e.g. `FULLY_CONNECTED`. */
  readonly name: string;
  /** `operator 12 (ADD) of subgraph 0`, for messages. */
  readonly where: string;
  /** Inputs; null for an omitted optional input (index -1). */
  readonly inputs: ReadonlyArray<OpInput | null>;
  /** The output tensors as the file declares them. */
  readonly outputs: readonly TensorMeta[];
  /** Indices of the output tensors in the subgraph. */
  readonly outputIndices: readonly number[];
  /** The interpreter's state. */
  readonly state: RunnerState;
  /** The options table, checked to be of `type` (or absent, for the schema defaults). */
  options(type: number): OptionsTable;
  /** Input `i`, which must be present. */
  input(i: number): OpInput;
  /** The values of constant input `i` as numbers; refuses a value computed at run time. */
  constValues(i: number, what: string): number[];
  /** True when a FULLY_CONNECTED somewhere in the model uses this constant as its weights (so its transpose will exist). */
  prefersTransposed(c: Const): boolean;
  /** A float32 constant computed from others at compile time (shared by key). */
  constant(key: string, shape: number[], values: () => Float32Array): Const;
  /** Record a tensor made while compiling (`k.persistent`) so that the runner frees it when disposed. */
  hold(t: Info): Info;
  /** Compile (once) and return subgraph `index`. */
  subgraph(index: number): CompiledSubgraph;
  /** The resource variable key a `resource` input refers to. */
  resourceOf(i: number): string;
  /** Record that output tensor `outputIndex` is a handle to resource `key`. */
  defineResource(outputIndex: number, key: string): void;
  /** Throws `E_MODEL_UNSUPPORTED` naming the operator. */
  unsupported(what: string): never;
  /** Throws `E_MODEL_FORMAT` naming the operator. */
  invalid(what: string): never;
}

/** Compiles one builtin operator. */
export type OpCompiler = (ctx: OpContext) => OpPlan;

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A shape for messages: `[1, 2]`; a damaged file's shape of hundreds of dims is cut short. */
export function showShape(shape: readonly number[]): string {
  return shape.length > 8 ? `[${shape.slice(0, 8).join(', ')}, ... (${shape.length} dims)]` : `[${shape.join(', ')}]`;
}
