/**
 * A model at a glance, as `summarizeTfliteModel` computes it and
 * `tinyedge inspect --json` prints it. Plain data: it serialises to JSON as is.
 *
 * @example
 * ```ts
 * const summary: TfliteModelSummary = summarizeTfliteModel(readTfliteModel(bytes));
 * console.log(`${summary.parameterCount} parameters in ${summary.fileSize} bytes`);
 * ```
 */
export interface TfliteModelSummary {
  /** Size of the file in bytes. */
  fileSize: number;
  /** Schema version (`Model.version`). */
  version: number;
  /** `Model.description` (`''` when absent). */
  description: string;
  /** Number of subgraphs. */
  subgraphCount: number;
  /** Number of operators over all subgraphs. */
  operatorCount: number;
  /** Operators by kind with their counts over all subgraphs, most frequent first. */
  operators: TfliteOperatorCount[];
  /** Number of tensors over all subgraphs. */
  tensorCount: number;
  /**
   * Elements of constant tensors (tensors with a non-empty buffer), each
   * buffer counted once even when several tensors share it.
   */
  parameterCount: number;
  /** Bytes of constant data over all dtypes (each buffer counted once). */
  constantBytes: number;
  /** Constant data by element type, largest first. */
  bytesByDtype: TfliteDtypeBytes[];
  /** Inputs of the main subgraph (subgraph 0), in order. */
  inputs: TfliteTensorSummary[];
  /** Outputs of the main subgraph, in order. */
  outputs: TfliteTensorSummary[];
  /** Keys of the signature defs. */
  signatures: string[];
  /** Names of the metadata entries. */
  metadata: string[];
}

/** How often one kind of operator occurs. */
export interface TfliteOperatorCount {
  /** Builtin name such as `FULLY_CONNECTED`, or the custom code of a custom operator. */
  name: string;
  /** The `BuiltinOperator` code (32 for custom operators). */
  builtinCode: number;
  /** True for a custom operator. */
  custom: boolean;
  /** Occurrences over all subgraphs. */
  count: number;
}

/** Constant data of one element type. */
export interface TfliteDtypeBytes {
  /** Element type name, e.g. `int8`. */
  dtype: string;
  /** Elements of constant tensors of this type. */
  parameters: number;
  /** Bytes of their buffers. */
  bytes: number;
}

/** An input or output tensor. */
export interface TfliteTensorSummary {
  /** Tensor name. */
  name: string;
  /** Element type name, e.g. `float32`. */
  dtype: string;
  /** Dimensions (`[]` for a scalar). */
  shape: number[];
}
