/**
 * Builds small TFLite flatbuffers field by field with flatbuffers' Builder,
 * independently of src/tflite's graph builder, so reader tests exercise fields
 * tinyedge never writes (custom codes, extended builtin codes, signature defs,
 * metadata, external buffers) and do not share a bug with the writer.
 */
import { Builder } from 'flatbuffers';
import { Slots, TFLITE_FILE_IDENTIFIER } from '../../src/tflite/schema.js';

export interface HandOpcode {
  /** `deprecated_builtin_code` byte; omitted when undefined. */
  deprecated?: number;
  /** `builtin_code` int; omitted when undefined. */
  builtin?: number;
  custom?: string;
  version?: number;
}

export interface HandTensor {
  name: string;
  shape: number[];
  type: number;
  buffer?: number;
  quant?: { scale: number[]; zeroPoint: number[]; dim?: number; min?: number[]; max?: number[] };
  isVariable?: boolean;
  shapeSignature?: number[];
}

export interface HandOperator {
  opcode: number;
  inputs: number[];
  outputs: number[];
  /** BuiltinOptions union type; an empty options table is written for it. */
  optionsType?: number;
  customOptions?: Uint8Array;
}

export interface HandSubgraph {
  name?: string;
  tensors: HandTensor[];
  inputs: number[];
  outputs: number[];
  operators: HandOperator[];
}

export interface HandBuffer {
  data?: Uint8Array;
  /** Data appended after the flatbuffer and found through `offset`/`size` (schema 3c). */
  external?: Uint8Array;
}

export interface HandModel {
  version?: number;
  description?: string;
  opcodes: HandOpcode[];
  subgraphs: HandSubgraph[];
  buffers: HandBuffer[];
  metadata?: { name: string; buffer: number }[];
  signatures?: { key: string; subgraph: number; inputs: [string, number][]; outputs: [string, number][] }[];
}

/** Serialises `m` as a `.tflite` file. */
export function buildHandModel(m: HandModel): Uint8Array {
  const externalTotal = m.buffers.some((b) => b.external !== undefined);
  if (!externalTotal) return build(m, []);
  // Offsets are absolute, so lay the flatbuffer out once to learn its size.
  const probe = build(m, m.buffers.map(() => 2));
  const offsets: number[] = [];
  let end = align16(probe.length);
  for (const b of m.buffers) {
    offsets.push(end);
    end = align16(end + (b.external?.length ?? 0));
  }
  const flat = build(m, offsets);
  if (flat.length !== probe.length) throw new Error('layout changed between passes');
  const out = new Uint8Array(end);
  out.set(flat);
  m.buffers.forEach((b, i) => b.external && out.set(b.external, offsets[i] ?? 0));
  return out;
}

const align16 = (n: number): number => Math.ceil(n / 16) * 16;

function build(m: HandModel, externalOffsets: number[]): Uint8Array {
  const b = new Builder(1024);
  const ints = (values: number[]): number => {
    b.startVector(4, values.length, 4);
    for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i] ?? 0);
    return b.endVector();
  };
  const floats = (values: number[]): number => {
    b.startVector(4, values.length, 4);
    for (let i = values.length - 1; i >= 0; i--) b.addFloat32(values[i] ?? 0);
    return b.endVector();
  };
  const longs = (values: number[]): number => {
    b.startVector(8, values.length, 8);
    for (let i = values.length - 1; i >= 0; i--) b.addInt64(BigInt(values[i] ?? 0));
    return b.endVector();
  };
  const offsets = (values: number[]): number => {
    b.startVector(4, values.length, 4);
    for (let i = values.length - 1; i >= 0; i--) b.addOffset(values[i] ?? 0);
    return b.endVector();
  };
  const bytes = (data: Uint8Array, alignment: number): number => {
    b.startVector(1, data.length, alignment);
    for (let i = data.length - 1; i >= 0; i--) b.addInt8(data[i] ?? 0);
    return b.endVector();
  };

  const buffers = m.buffers.map((buf, i) => {
    const data = buf.data !== undefined ? bytes(buf.data, 16) : 0;
    b.startObject(3);
    if (data) b.addFieldOffset(Slots.Buffer.data, data, 0);
    if (buf.external !== undefined) {
      b.addFieldInt64(Slots.Buffer.offset, BigInt(externalOffsets[i] ?? 0), 0n);
      b.addFieldInt64(Slots.Buffer.size, BigInt(buf.external.length), 0n);
    }
    return b.endObject();
  });

  const opcodes = m.opcodes.map((c) => {
    const custom = c.custom !== undefined ? b.createString(c.custom) : 0;
    b.startObject(4);
    if (c.deprecated !== undefined) b.addFieldInt8(Slots.OperatorCode.deprecatedBuiltinCode, c.deprecated, -1);
    if (custom) b.addFieldOffset(Slots.OperatorCode.customCode, custom, 0);
    b.addFieldInt32(Slots.OperatorCode.version, c.version ?? 1, 1);
    if (c.builtin !== undefined) b.addFieldInt32(Slots.OperatorCode.builtinCode, c.builtin, -1);
    return b.endObject();
  });

  const subgraphs = m.subgraphs.map((sg) => {
    const tensors = sg.tensors.map((t) => {
      const name = b.createString(t.name);
      const shape = ints(t.shape);
      const signature = t.shapeSignature !== undefined ? ints(t.shapeSignature) : 0;
      let quant = 0;
      if (t.quant !== undefined) {
        const q = t.quant;
        const min = q.min !== undefined ? floats(q.min) : 0;
        const max = q.max !== undefined ? floats(q.max) : 0;
        const scale = floats(q.scale);
        const zp = longs(q.zeroPoint);
        b.startObject(7);
        if (min) b.addFieldOffset(Slots.QuantizationParameters.min, min, 0);
        if (max) b.addFieldOffset(Slots.QuantizationParameters.max, max, 0);
        b.addFieldOffset(Slots.QuantizationParameters.scale, scale, 0);
        b.addFieldOffset(Slots.QuantizationParameters.zeroPoint, zp, 0);
        b.addFieldInt32(Slots.QuantizationParameters.quantizedDimension, q.dim ?? 0, 0);
        quant = b.endObject();
      }
      b.startObject(9);
      b.addFieldOffset(Slots.Tensor.shape, shape, 0);
      b.addFieldInt8(Slots.Tensor.type, t.type, 0);
      b.addFieldInt32(Slots.Tensor.buffer, t.buffer ?? 0, 0);
      b.addFieldOffset(Slots.Tensor.name, name, 0);
      if (quant) b.addFieldOffset(Slots.Tensor.quantization, quant, 0);
      b.addFieldInt8(Slots.Tensor.isVariable, t.isVariable ? 1 : 0, 0);
      if (signature) b.addFieldOffset(Slots.Tensor.shapeSignature, signature, 0);
      return b.endObject();
    });
    const operators = sg.operators.map((op) => {
      const inputs = ints(op.inputs);
      const outputs = ints(op.outputs);
      const custom = op.customOptions !== undefined ? bytes(op.customOptions, 1) : 0;
      let options = 0;
      if (op.optionsType !== undefined) {
        b.startObject(0);
        options = b.endObject();
      }
      b.startObject(9);
      b.addFieldInt32(Slots.Operator.opcodeIndex, op.opcode, 0);
      b.addFieldOffset(Slots.Operator.inputs, inputs, 0);
      b.addFieldOffset(Slots.Operator.outputs, outputs, 0);
      if (options) {
        b.addFieldInt8(Slots.Operator.builtinOptionsType, op.optionsType ?? 0, 0);
        b.addFieldOffset(Slots.Operator.builtinOptions, options, 0);
      }
      if (custom) b.addFieldOffset(Slots.Operator.customOptions, custom, 0);
      return b.endObject();
    });
    const tensorVec = offsets(tensors);
    const inputs = ints(sg.inputs);
    const outputs = ints(sg.outputs);
    const opVec = offsets(operators);
    const name = sg.name !== undefined ? b.createString(sg.name) : 0;
    b.startObject(5);
    b.addFieldOffset(Slots.SubGraph.tensors, tensorVec, 0);
    b.addFieldOffset(Slots.SubGraph.inputs, inputs, 0);
    b.addFieldOffset(Slots.SubGraph.outputs, outputs, 0);
    b.addFieldOffset(Slots.SubGraph.operators, opVec, 0);
    if (name) b.addFieldOffset(Slots.SubGraph.name, name, 0);
    return b.endObject();
  });

  const metadata = (m.metadata ?? []).map((md) => {
    const name = b.createString(md.name);
    b.startObject(2);
    b.addFieldOffset(Slots.Metadata.name, name, 0);
    b.addFieldInt32(Slots.Metadata.buffer, md.buffer, 0);
    return b.endObject();
  });

  const tensorMaps = (entries: [string, number][]): number =>
    offsets(entries.map(([alias, index]) => {
      const name = b.createString(alias);
      b.startObject(2);
      b.addFieldOffset(Slots.TensorMap.name, name, 0);
      b.addFieldInt32(Slots.TensorMap.tensorIndex, index, -1);
      return b.endObject();
    }));
  const signatures = (m.signatures ?? []).map((s) => {
    const inputs = tensorMaps(s.inputs);
    const outputs = tensorMaps(s.outputs);
    const key = b.createString(s.key);
    b.startObject(5);
    b.addFieldOffset(Slots.SignatureDef.inputs, inputs, 0);
    b.addFieldOffset(Slots.SignatureDef.outputs, outputs, 0);
    b.addFieldOffset(Slots.SignatureDef.signatureKey, key, 0);
    b.addFieldInt32(Slots.SignatureDef.subgraphIndex, s.subgraph, -1);
    return b.endObject();
  });

  const opcodeVec = offsets(opcodes);
  const subgraphVec = offsets(subgraphs);
  const description = m.description !== undefined ? b.createString(m.description) : 0;
  const bufferVec = offsets(buffers);
  const metadataVec = m.metadata !== undefined ? offsets(metadata) : 0;
  const signatureVec = m.signatures !== undefined ? offsets(signatures) : 0;
  b.startObject(8);
  b.addFieldInt32(Slots.Model.version, m.version ?? 3, -1);
  b.addFieldOffset(Slots.Model.operatorCodes, opcodeVec, 0);
  b.addFieldOffset(Slots.Model.subgraphs, subgraphVec, 0);
  if (description) b.addFieldOffset(Slots.Model.description, description, 0);
  b.addFieldOffset(Slots.Model.buffers, bufferVec, 0);
  if (metadataVec) b.addFieldOffset(Slots.Model.metadata, metadataVec, 0);
  if (signatureVec) b.addFieldOffset(Slots.Model.signatureDefs, signatureVec, 0);
  b.finish(b.endObject(), TFLITE_FILE_IDENTIFIER);
  return b.asUint8Array().slice();
}

/** Little-endian bytes of float32 values. */
export function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

/** Little-endian bytes of int32 values. */
export function i32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Int32Array(values).buffer);
}

/** Bytes of int8 values. */
export function i8Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Int8Array(values).buffer);
}
