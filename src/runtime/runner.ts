/**
 * The shape of `tfjs-tflite-node`'s `TFLiteNodeModelRunner`, which the rest of
 * the runtime depends on instead of the native class. The fake runner in
 * `tinyedge/testing` implements the same interface, and one contract suite
 * runs against both.
 */

/** Element type names as the native binding reports them. */
export type RunnerDataType = 'float32' | 'int32' | 'int8' | 'uint8' | 'int16' | 'bool' | 'float64' | 'uint32' | string;

/** One input or output tensor of an interpreter. Its `data()` array is owned by the runner and reused across calls. */
export interface RunnerTensor {
  /** Position in the interpreter's input (or output) list. */
  readonly id: number;
  /** Tensor name from the model file. */
  readonly name: string;
  /** Element type, e.g. `float32`. */
  readonly dataType: RunnerDataType;
  /** Comma-separated dimensions, e.g. `"1,512"`, as the native binding reports them. */
  readonly shape: string;
  /** The tensor's host buffer: write inputs here before `infer()`, read outputs after. */
  data(): Float32Array | Int32Array | Int8Array | Uint8Array | Int16Array | Float64Array | Uint32Array;
}

/** An interpreter with fixed-shape inputs and outputs. */
export interface ModelRunner {
  /** The input tensors, in the interpreter's order (look them up by name). */
  getInputs(): RunnerTensor[];
  /** The output tensors, in the interpreter's order (look them up by name). */
  getOutputs(): RunnerTensor[];
  /** Copy inputs in, run the graph once, copy outputs out. Synchronous. */
  infer(): boolean;
}

/** Options for creating a runner. */
export interface RunnerOptions {
  /** Interpreter threads. Default 1: tiny models gain little from more and the event loop stays on its own core. */
  threads?: number;
}

/** Creates a runner from the bytes of a `.tflite` flatbuffer. */
export type RunnerFactory = (model: Uint8Array, options?: RunnerOptions) => ModelRunner | Promise<ModelRunner>;
