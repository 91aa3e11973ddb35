/**
 * The subset of the TFLite flatbuffer schema (`schema.fbs`, file identifier
 * `TFL3`) that tinyedge writes and reads: enum values and the field slots of
 * each table. Field slot `n` is the n-th field of the table in declaration
 * order; a union takes two slots (its `_type` byte, then the value).
 */

/** File identifier at bytes 4..8 of every TFLite flatbuffer. */
export const TFLITE_FILE_IDENTIFIER = 'TFL3';
/** Schema version written into `Model.version`. */
export const TFLITE_SCHEMA_VERSION = 3;

/** `TensorType` enum. */
export const TensorType = {
  FLOAT32: 0,
  FLOAT16: 1,
  INT32: 2,
  UINT8: 3,
  INT64: 4,
  STRING: 5,
  BOOL: 6,
  INT16: 7,
  COMPLEX64: 8,
  INT8: 9,
  FLOAT64: 10,
  COMPLEX128: 11,
  UINT64: 12,
  RESOURCE: 13,
  VARIANT: 14,
  UINT32: 15,
  UINT16: 16,
  INT4: 17,
} as const;
/** A `TensorType` value. */
export type TensorTypeValue = (typeof TensorType)[keyof typeof TensorType];

/** Lower-case names of tensor types, indexed by value. */
export const TENSOR_TYPE_NAMES: readonly string[] = Object.entries(TensorType)
  .sort((a, b) => a[1] - b[1])
  .map(([name]) => name.toLowerCase());

/** Bytes per element of each tensor type (0 where it is not fixed). */
export const TENSOR_TYPE_BYTES: Readonly<Record<number, number>> = {
  0: 4, 1: 2, 2: 4, 3: 1, 4: 8, 5: 0, 6: 1, 7: 2, 8: 8, 9: 1, 10: 8, 11: 16, 12: 8, 13: 0, 14: 0, 15: 4, 16: 2, 17: 0.5,
};

/** The builtin operators tinyedge emits, with their `BuiltinOperator` codes. */
export const BuiltinOperator = {
  ADD: 0,
  CONCATENATION: 2,
  DEQUANTIZE: 6,
  FULLY_CONNECTED: 9,
  LOGISTIC: 14,
  MUL: 18,
  RESHAPE: 22,
  SOFTMAX: 25,
  GATHER: 36,
  TRANSPOSE: 39,
  MEAN: 40,
  SUB: 41,
  SPLIT: 49,
  CAST: 53,
  LESS: 58,
  GREATER: 61,
  SELECT: 64,
  SLICE: 65,
  SIN: 66,
  SUM: 74,
  COS: 108,
  RSQRT: 76,
  SQUARE: 92,
  FILL: 94,
  SPLIT_V: 102,
  IF: 118,
  SELECT_V2: 123,
  BATCH_MATMUL: 126,
  PLACEHOLDER_FOR_GREATER_OP_CODES: 127,
  CALL_ONCE: 129,
  VAR_HANDLE: 142,
  READ_VARIABLE: 143,
  ASSIGN_VARIABLE: 144,
  DYNAMIC_UPDATE_SLICE: 151,
} as const;
/** A builtin operator code tinyedge knows by name. */
export type BuiltinOperatorCode = (typeof BuiltinOperator)[keyof typeof BuiltinOperator];

/** `BuiltinOptions` union member indices (0 is NONE). */
export const BuiltinOptions = {
  NONE: 0,
  FullyConnectedOptions: 8,
  SoftmaxOptions: 9,
  ConcatenationOptions: 10,
  AddOptions: 11,
  ReshapeOptions: 17,
  MulOptions: 21,
  GatherOptions: 23,
  TransposeOptions: 26,
  ReducerOptions: 27,
  SubOptions: 28,
  SplitOptions: 35,
  CastOptions: 37,
  DequantizeOptions: 38,
  LessOptions: 41,
  GreaterOptions: 44,
  SelectOptions: 47,
  SliceOptions: 48,
  SquareOptions: 66,
  FillOptions: 68,
  SplitVOptions: 79,
  IfOptions: 92,
  SelectV2Options: 98,
  BatchMatMulOptions: 101,
  CallOnceOptions: 103,
  VarHandleOptions: 111,
  ReadVariableOptions: 112,
  AssignVariableOptions: 113,
  DynamicUpdateSliceOptions: 117,
} as const;

/** `ActivationFunctionType` enum. */
export const Activation = { NONE: 0, RELU: 1, RELU_N1_TO_1: 2, RELU6: 3, TANH: 4, SIGN_BIT: 5 } as const;

/** Field slots of the tables tinyedge reads and writes. */
export const Slots = {
  Model: { version: 0, operatorCodes: 1, subgraphs: 2, description: 3, buffers: 4, metadataBuffer: 5, metadata: 6, signatureDefs: 7 },
  OperatorCode: { deprecatedBuiltinCode: 0, customCode: 1, version: 2, builtinCode: 3 },
  SubGraph: { tensors: 0, inputs: 1, outputs: 2, operators: 3, name: 4 },
  Tensor: { shape: 0, type: 1, buffer: 2, name: 3, quantization: 4, isVariable: 5, sparsity: 6, shapeSignature: 7, hasRank: 8 },
  QuantizationParameters: { min: 0, max: 1, scale: 2, zeroPoint: 3, detailsType: 4, details: 5, quantizedDimension: 6 },
  Operator: {
    opcodeIndex: 0, inputs: 1, outputs: 2, builtinOptionsType: 3, builtinOptions: 4, customOptions: 5,
    customOptionsFormat: 6, mutatingVariableInputs: 7, intermediates: 8,
  },
  Buffer: { data: 0, offset: 1, size: 2 },
  Metadata: { name: 0, buffer: 1 },
  SignatureDef: { inputs: 0, outputs: 1, signatureKey: 2, deprecatedTag: 3, subgraphIndex: 4 },
  TensorMap: { name: 0, tensorIndex: 1 },
  FullyConnectedOptions: { fusedActivation: 0, weightsFormat: 1, keepNumDims: 2, asymmetricQuantizeInputs: 3 },
  SoftmaxOptions: { beta: 0 },
  ConcatenationOptions: { axis: 0, fusedActivation: 1 },
  AddOptions: { fusedActivation: 0, potScaleInt16: 1 },
  SubOptions: { fusedActivation: 0, potScaleInt16: 1 },
  MulOptions: { fusedActivation: 0 },
  ReshapeOptions: { newShape: 0 },
  GatherOptions: { axis: 0, batchDims: 1 },
  ReducerOptions: { keepDims: 0 },
  SplitOptions: { numSplits: 0 },
  SplitVOptions: { numSplits: 0 },
  CastOptions: { inDataType: 0, outDataType: 1 },
  BatchMatMulOptions: { adjX: 0, adjY: 1, asymmetricQuantizeInputs: 2 },
  VarHandleOptions: { container: 0, sharedName: 1 },
  CallOnceOptions: { initSubgraphIndex: 0 },
  IfOptions: { thenSubgraphIndex: 0, elseSubgraphIndex: 1 },
} as const;

/** Every `BuiltinOperator` name by code, for reading files tinyedge did not write. */
export const BUILTIN_OPERATOR_NAMES: readonly string[] = [
  'ADD', 'AVERAGE_POOL_2D', 'CONCATENATION', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'DEPTH_TO_SPACE', 'DEQUANTIZE',
  'EMBEDDING_LOOKUP', 'FLOOR', 'FULLY_CONNECTED', 'HASHTABLE_LOOKUP', 'L2_NORMALIZATION', 'L2_POOL_2D',
  'LOCAL_RESPONSE_NORMALIZATION', 'LOGISTIC', 'LSH_PROJECTION', 'LSTM', 'MAX_POOL_2D', 'MUL', 'RELU',
  'RELU_N1_TO_1', 'RELU6', 'RESHAPE', 'RESIZE_BILINEAR', 'RNN', 'SOFTMAX', 'SPACE_TO_DEPTH', 'SVDF', 'TANH',
  'CONCAT_EMBEDDINGS', 'SKIP_GRAM', 'CALL', 'CUSTOM', 'EMBEDDING_LOOKUP_SPARSE', 'PAD',
  'UNIDIRECTIONAL_SEQUENCE_RNN', 'GATHER', 'BATCH_TO_SPACE_ND', 'SPACE_TO_BATCH_ND', 'TRANSPOSE', 'MEAN', 'SUB',
  'DIV', 'SQUEEZE', 'UNIDIRECTIONAL_SEQUENCE_LSTM', 'STRIDED_SLICE', 'BIDIRECTIONAL_SEQUENCE_RNN', 'EXP',
  'TOPK_V2', 'SPLIT', 'LOG_SOFTMAX', 'DELEGATE', 'BIDIRECTIONAL_SEQUENCE_LSTM', 'CAST', 'PRELU', 'MAXIMUM',
  'ARG_MAX', 'MINIMUM', 'LESS', 'NEG', 'PADV2', 'GREATER', 'GREATER_EQUAL', 'LESS_EQUAL', 'SELECT', 'SLICE', 'SIN',
  'TRANSPOSE_CONV', 'SPARSE_TO_DENSE', 'TILE', 'EXPAND_DIMS', 'EQUAL', 'NOT_EQUAL', 'LOG', 'SUM', 'SQRT', 'RSQRT',
  'SHAPE', 'POW', 'ARG_MIN', 'FAKE_QUANT', 'REDUCE_PROD', 'REDUCE_MAX', 'PACK', 'LOGICAL_OR', 'ONE_HOT',
  'LOGICAL_AND', 'LOGICAL_NOT', 'UNPACK', 'REDUCE_MIN', 'FLOOR_DIV', 'REDUCE_ANY', 'SQUARE', 'ZEROS_LIKE', 'FILL',
  'FLOOR_MOD', 'RANGE', 'RESIZE_NEAREST_NEIGHBOR', 'LEAKY_RELU', 'SQUARED_DIFFERENCE', 'MIRROR_PAD', 'ABS',
  'SPLIT_V', 'UNIQUE', 'CEIL', 'REVERSE_V2', 'ADD_N', 'GATHER_ND', 'COS', 'WHERE', 'RANK', 'ELU',
  'REVERSE_SEQUENCE', 'MATRIX_DIAG', 'QUANTIZE', 'MATRIX_SET_DIAG', 'ROUND', 'HARD_SWISH', 'IF', 'WHILE',
  'NON_MAX_SUPPRESSION_V4', 'NON_MAX_SUPPRESSION_V5', 'SCATTER_ND', 'SELECT_V2', 'DENSIFY', 'SEGMENT_SUM',
  'BATCH_MATMUL', 'PLACEHOLDER_FOR_GREATER_OP_CODES', 'CUMSUM', 'CALL_ONCE', 'BROADCAST_TO', 'RFFT2D', 'CONV_3D',
  'IMAG', 'REAL', 'COMPLEX_ABS', 'HASHTABLE', 'HASHTABLE_FIND', 'HASHTABLE_IMPORT', 'HASHTABLE_SIZE',
  'REDUCE_ALL', 'CONV_3D_TRANSPOSE', 'VAR_HANDLE', 'READ_VARIABLE', 'ASSIGN_VARIABLE', 'BROADCAST_ARGS',
  'RANDOM_STANDARD_NORMAL', 'BUCKETIZE', 'RANDOM_UNIFORM', 'MULTINOMIAL', 'GELU', 'DYNAMIC_UPDATE_SLICE',
  'RELU_0_TO_1', 'UNSORTED_SEGMENT_PROD', 'UNSORTED_SEGMENT_MAX', 'UNSORTED_SEGMENT_SUM', 'ATAN2',
  'UNSORTED_SEGMENT_MIN', 'SIGN', 'BITCAST', 'BITWISE_XOR', 'RIGHT_SHIFT',
];

/** Name of a builtin operator code, or `BUILTIN_<code>` for codes newer than this table. */
export function builtinOperatorName(code: number): string {
  return BUILTIN_OPERATOR_NAMES[code] ?? `BUILTIN_${code}`;
}
