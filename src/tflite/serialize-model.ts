import { Builder } from 'flatbuffers';
import { writeBuiltinOptions, type OperatorOptions } from './operator-options.js';
import type { DType, Quantization, TensorRef } from './graph-builder.js';
import { BuiltinOperator, BuiltinOptions, Slots, TFLITE_FILE_IDENTIFIER, TFLITE_SCHEMA_VERSION, TensorType, type TensorTypeValue } from './schema.js';

/** A tensor as the builder keeps it. @internal */
export interface TensorEntry extends TensorRef {
  buffer: number;
  quantization?: Quantization;
}

/** A subgraph as the builder keeps it. @internal */
export interface SubgraphEntry {
  name: string;
  tensors: TensorEntry[];
  operators: OperatorEntry[];
  inputs: number[];
  outputs: number[];
  names: Set<string>;
  constants: Map<string, TensorEntry>;
}

/** An operator as the builder keeps it. @internal */
export interface OperatorEntry {
  opcodeIndex: number;
  inputs: number[];
  outputs: number[];
  options: OperatorOptions | undefined;
}

const DTYPE_CODES: Record<DType, TensorTypeValue> = {
  float32: TensorType.FLOAT32,
  int32: TensorType.INT32,
  int8: TensorType.INT8,
  uint8: TensorType.UINT8,
  int16: TensorType.INT16,
  bool: TensorType.BOOL,
  int64: TensorType.INT64,
  resource: TensorType.RESOURCE,
};

/** Everything {@link serializeModel} writes. @internal */
export interface ModelParts {
  description: string;
  /** Buffer 0 must be the empty sentinel. */
  buffers: readonly Uint8Array[];
  subgraphs: readonly SubgraphEntry[];
  /** Builtin operator codes, in opcode-index order. */
  opcodes: readonly number[];
}

/**
 * Write a TFLite model flatbuffer (schema 3, identifier `TFL3`) from the
 * builder's tables. Flatbuffers are built back to front: children first.
 *
 * @internal
 */
export function serializeModel(parts: ModelParts): Uint8Array {
  const dataBytes = parts.buffers.reduce((n, b) => n + b.byteLength + 16, 0);
  const meta = parts.subgraphs.reduce((n, sg) => n + sg.tensors.length * 256 + sg.operators.length * 64, 4096);
  const fb = new Builder(dataBytes + meta);
  const bufferOffsets = parts.buffers.map((data) => {
    const dataOffset = data.byteLength > 0 ? alignedBytes(fb, data, 16) : 0;
    fb.startObject(3);
    if (dataOffset) fb.addFieldOffset(Slots.Buffer.data, dataOffset, 0);
    return fb.endObject();
  });
  const subgraphOffsets = parts.subgraphs.map((sg) => writeSubgraph(fb, sg));
  const opcodeOffsets = parts.opcodes.map((code) => {
    fb.startObject(4);
    // Codes above 127 only fit the newer int32 field; the byte field then holds the placeholder.
    fb.addFieldInt8(Slots.OperatorCode.deprecatedBuiltinCode, Math.min(code, BuiltinOperator.PLACEHOLDER_FOR_GREATER_OP_CODES), 0);
    fb.addFieldInt32(Slots.OperatorCode.version, 1, 1);
    fb.addFieldInt32(Slots.OperatorCode.builtinCode, code, 0);
    return fb.endObject();
  });
  const description = fb.createString(parts.description);
  const opcodesVec = offsetVector(fb, opcodeOffsets);
  const subgraphsVec = offsetVector(fb, subgraphOffsets);
  const buffersVec = offsetVector(fb, bufferOffsets);
  fb.startObject(8);
  fb.addFieldInt32(Slots.Model.version, TFLITE_SCHEMA_VERSION, 0);
  fb.addFieldOffset(Slots.Model.operatorCodes, opcodesVec, 0);
  fb.addFieldOffset(Slots.Model.subgraphs, subgraphsVec, 0);
  fb.addFieldOffset(Slots.Model.description, description, 0);
  fb.addFieldOffset(Slots.Model.buffers, buffersVec, 0);
  const model = fb.endObject();
  fb.finish(model, TFLITE_FILE_IDENTIFIER);
  return fb.asUint8Array();
}

function writeSubgraph(fb: Builder, sg: SubgraphEntry): number {
  const tensorOffsets = sg.tensors.map((t) => writeTensor(fb, t));
  const operatorOffsets = sg.operators.map((o) => {
    const inputs = int32Vector(fb, o.inputs);
    const outputs = int32Vector(fb, o.outputs);
    const opts = o.options ? writeBuiltinOptions(fb, o.options) : undefined;
    fb.startObject(9);
    fb.addFieldInt32(Slots.Operator.opcodeIndex, o.opcodeIndex, 0);
    fb.addFieldOffset(Slots.Operator.inputs, inputs, 0);
    fb.addFieldOffset(Slots.Operator.outputs, outputs, 0);
    if (opts) {
      fb.addFieldInt8(Slots.Operator.builtinOptionsType, BuiltinOptions[opts.type], 0);
      fb.addFieldOffset(Slots.Operator.builtinOptions, opts.offset, 0);
    }
    return fb.endObject();
  });
  const name = fb.createString(sg.name);
  const tensorsVec = offsetVector(fb, tensorOffsets);
  const inputsVec = int32Vector(fb, sg.inputs);
  const outputsVec = int32Vector(fb, sg.outputs);
  const operatorsVec = offsetVector(fb, operatorOffsets);
  fb.startObject(5);
  fb.addFieldOffset(Slots.SubGraph.tensors, tensorsVec, 0);
  fb.addFieldOffset(Slots.SubGraph.inputs, inputsVec, 0);
  fb.addFieldOffset(Slots.SubGraph.outputs, outputsVec, 0);
  fb.addFieldOffset(Slots.SubGraph.operators, operatorsVec, 0);
  fb.addFieldOffset(Slots.SubGraph.name, name, 0);
  return fb.endObject();
}

function alignedBytes(fb: Builder, data: Uint8Array, alignment: number): number {
  fb.startVector(1, data.byteLength, alignment);
  // Bulk copy: the builder's per-byte API would take seconds for a 60 MB model.
  const space = (fb as unknown as { space: number }).space - data.byteLength;
  (fb as unknown as { space: number }).space = space;
  fb.dataBuffer().bytes().set(data, space);
  return fb.endVector();
}

function int32Vector(fb: Builder, values: readonly number[]): number {
  fb.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) fb.addInt32(values[i]!);
  return fb.endVector();
}

function int64Vector(fb: Builder, values: ArrayLike<number>): number {
  fb.startVector(8, values.length, 8);
  for (let i = values.length - 1; i >= 0; i--) fb.addInt64(BigInt(values[i]!));
  return fb.endVector();
}

function float32Vector(fb: Builder, values: ArrayLike<number>): number {
  fb.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) fb.addFloat32(values[i]!);
  return fb.endVector();
}

function offsetVector(fb: Builder, offsets: readonly number[]): number {
  fb.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) fb.addOffset(offsets[i]!);
  return fb.endVector();
}

function writeTensor(fb: Builder, t: TensorEntry): number {
  const name = fb.createString(t.name);
  const shape = int32Vector(fb, t.shape);
  let quant = 0;
  if (t.quantization) {
    const q = t.quantization;
    const scale = float32Vector(fb, q.scale);
    const zeroPoint = int64Vector(fb, q.zeroPoint ?? new Array<number>(q.scale.length).fill(0));
    fb.startObject(7);
    fb.addFieldOffset(Slots.QuantizationParameters.scale, scale, 0);
    fb.addFieldOffset(Slots.QuantizationParameters.zeroPoint, zeroPoint, 0);
    fb.addFieldInt32(Slots.QuantizationParameters.quantizedDimension, q.axis ?? 0, 0);
    quant = fb.endObject();
  }
  fb.startObject(9);
  fb.addFieldOffset(Slots.Tensor.shape, shape, 0);
  fb.addFieldInt8(Slots.Tensor.type, DTYPE_CODES[t.dtype], 0);
  fb.addFieldInt32(Slots.Tensor.buffer, t.buffer, 0);
  fb.addFieldOffset(Slots.Tensor.name, name, 0);
  if (quant) fb.addFieldOffset(Slots.Tensor.quantization, quant, 0);
  return fb.endObject();
}
