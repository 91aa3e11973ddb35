/**
 * What `readTfliteModel` finds in a `.tflite` flatbuffer: the model's
 * structure without its weights. Every index in it has been checked against
 * the list it points into, so consumers can look things up without guarding.
 * Absent strings are `''`; absent vectors are `[]`.
 *
 * @example
 * ```ts
 * const info: TfliteModelInfo = readTfliteModel(await readFile('model.tflite'));
 * const main = info.subgraphs[0];
 * console.log(main?.inputs.map((i) => main.tensors[i]?.name));
 * ```
 */
export interface TfliteModelInfo {
  /** Size of the whole file in bytes. */
  fileSize: number;
  /** Schema version (`Model.version`); 3 for every file written since 2018. */
  version: number;
  /** `Model.description`, e.g. the converter that wrote the file. */
  description: string;
  /** Operator codes; operators refer to them by index. */
  operatorCodes: TfliteOperatorCode[];
  /** Subgraphs; the first is the model's main graph. */
  subgraphs: TfliteSubgraph[];
  /** Data buffers; tensors and metadata refer to them by index, and buffer 0 is the empty sentinel. */
  buffers: TfliteBuffer[];
  /** Named metadata entries, each pointing at a buffer. */
  metadata: TfliteMetadata[];
  /** Signature defs: named entry points mapping aliases to tensors of a subgraph. */
  signatureDefs: TfliteSignatureDef[];
}

/** One entry of `Model.operator_codes`. */
export interface TfliteOperatorCode {
  /**
   * The `BuiltinOperator` code: the larger of `deprecated_builtin_code` and
   * `builtin_code`, so both files older than schema 3a and codes above 127
   * come out right. 32 (`CUSTOM`) for custom operators.
   */
  builtinCode: number;
  /** The custom operator's name, e.g. `FlexErf`; `''` for builtins. */
  customCode: string;
  /** Operator version (default 1). */
  version: number;
  /** Display name: the builtin's name such as `FULLY_CONNECTED`, or the custom code. */
  name: string;
}

/** One subgraph. */
export interface TfliteSubgraph {
  /** Subgraph name (often `''` or `main`). */
  name: string;
  /** All tensors of the subgraph. */
  tensors: TfliteTensor[];
  /** Indices into `tensors` of the inputs fed at inference time. */
  inputs: number[];
  /** Indices into `tensors` of the outputs. */
  outputs: number[];
  /** Operators in execution order. */
  operators: TfliteOperator[];
}

/** One tensor of a subgraph. */
export interface TfliteTensor {
  /** Tensor name. */
  name: string;
  /** Dimensions; `[]` for a scalar. */
  shape: number[];
  /** Dimensions with `-1` for unknown ones, when the file records them; otherwise null. */
  shapeSignature: number[] | null;
  /** The `TensorType` value, e.g. 0 for float32. */
  type: number;
  /** Lower-case type name, e.g. `float32`, `int8`; `type<N>` for values newer than tinyedge's schema. */
  dtype: string;
  /** Index into `TfliteModelInfo.buffers`; 0 (the empty buffer) for tensors computed at run time. */
  buffer: number;
  /** Quantization parameters, or null when the file has none. */
  quantization: TfliteQuantization | null;
  /** True for a variable tensor (state kept across invocations). */
  isVariable: boolean;
  /** True when the tensor is stored sparse (`Tensor.sparsity` present). */
  sparse: boolean;
}

/** `QuantizationParameters`: `real = scale * (q - zeroPoint)`. */
export interface TfliteQuantization {
  /** One scale per tensor, or one per slice along `quantizedDimension`. */
  scale: number[];
  /** Zero points matching `scale`. */
  zeroPoint: number[];
  /** The axis the per-channel scales run along (default 0). */
  quantizedDimension: number;
  /** Recorded float minima, kept for re-import into TensorFlow. */
  min: number[];
  /** Recorded float maxima. */
  max: number[];
}

/** One operator of a subgraph. */
export interface TfliteOperator {
  /** Index into `TfliteModelInfo.operatorCodes`. */
  opcodeIndex: number;
  /** Input tensor indices; `-1` marks an omitted optional input. */
  inputs: number[];
  /** Output tensor indices. */
  outputs: number[];
  /** The `BuiltinOptions` union type (0 when the operator has no options table). */
  builtinOptionsType: number;
  /** Size in bytes of the operator's custom options (flexbuffer), 0 when none. */
  customOptionsBytes: number;
}

/** One entry of `Model.buffers`. */
export interface TfliteBuffer {
  /** Size of the data in bytes; 0 for an empty buffer. */
  byteLength: number;
  /** Absolute offset of the data's first byte in the file; 0 when empty. */
  byteOffset: number;
  /** True when the data lies outside the flatbuffer (schema 3c, models over 2 GB), found by `offset`/`size`. */
  external: boolean;
}

/** One entry of `Model.metadata`. */
export interface TfliteMetadata {
  /** Metadata name, e.g. `min_runtime_version`. */
  name: string;
  /** Index into `TfliteModelInfo.buffers` of its content. */
  buffer: number;
}

/** One entry of `Model.signature_defs`. */
export interface TfliteSignatureDef {
  /** The signature's key, e.g. `serving_default`. */
  key: string;
  /** Index into `TfliteModelInfo.subgraphs` of the subgraph it runs. */
  subgraphIndex: number;
  /** Input aliases. */
  inputs: TfliteSignatureTensor[];
  /** Output aliases. */
  outputs: TfliteSignatureTensor[];
}

/** A `TensorMap` entry: an alias for a tensor of the signature's subgraph. */
export interface TfliteSignatureTensor {
  /** The alias. */
  name: string;
  /** Index into that subgraph's `tensors`. */
  tensorIndex: number;
}
