/** Small hand-built models shared by the reader, fuzz and CLI tests. */
import { buildHandModel, f32Bytes, i32Bytes, i8Bytes } from './hand-built-tflite.js';

// Sample models. Operator codes and options numbers are spelled out here, not
// taken from src/tflite/schema.ts, so a wrong constant there shows up as a
// disagreement with the native interpreter.
const FLOAT32 = 0;
const INT32 = 2;
const INT8 = 9;
const ADD = 0;
const DEQUANTIZE = 6;
const CUSTOM = 32;
const PLACEHOLDER_FOR_GREATER_OP_CODES = 127;
const BROADCAST_TO = 130;
const ADD_OPTIONS = 11;

/** y = x + c with c = [1, 2, 3, 4]: description, subgraph name, metadata and a signature def. */
export function addModel(): Uint8Array {
  return buildHandModel({
    description: 'hand-built add',
    opcodes: [{ deprecated: ADD, builtin: ADD }],
    buffers: [{}, { data: f32Bytes([1, 2, 3, 4]) }, { data: new TextEncoder().encode('tinyedge test metadata') }],
    subgraphs: [{
      name: 'main',
      tensors: [
        { name: 'x', shape: [1, 4], type: FLOAT32 },
        { name: 'c', shape: [1, 4], type: FLOAT32, buffer: 1 },
        { name: 'y', shape: [1, 4], type: FLOAT32 },
      ],
      inputs: [0],
      outputs: [2],
      operators: [{ opcode: 0, inputs: [0, 1], outputs: [2], optionsType: ADD_OPTIONS }],
    }],
    metadata: [{ name: 'tinyedge_note', buffer: 2 }],
    signatures: [{ key: 'serving_default', subgraph: 0, inputs: [['in', 0]], outputs: [['out', 2]] }],
  });
}

/** BROADCAST_TO (code 130, only in `builtin_code`; the byte field holds the placeholder 127): [1, 3] to [2, 3]. */
export function broadcastModel(): Uint8Array {
  return buildHandModel({
    opcodes: [{ deprecated: PLACEHOLDER_FOR_GREATER_OP_CODES, builtin: BROADCAST_TO, version: 2 }],
    buffers: [{}, { data: i32Bytes([2, 3]) }],
    subgraphs: [{
      tensors: [
        { name: 'row', shape: [1, 3], type: FLOAT32 },
        { name: 'target_shape', shape: [2], type: INT32, buffer: 1 },
        { name: 'tiled', shape: [2, 3], type: FLOAT32 },
      ],
      inputs: [0],
      outputs: [2],
      operators: [{ opcode: 0, inputs: [0, 1], outputs: [2] }],
    }],
  });
}

/**
 * y = x + dequantize(w) where w is int8 [2, 3] quantized per channel along
 * axis 0 with scales [0.5, 0.25]: w = [[2, 4, 6], [4, 8, 12]] as floats
 * [[1, 2, 3], [1, 2, 3]]. ADD is given only by the old byte field.
 */
export function perChannelModel(): Uint8Array {
  return buildHandModel({
    opcodes: [{ deprecated: DEQUANTIZE }, { deprecated: ADD }],
    buffers: [{}, { data: i8Bytes([2, 4, 6, 4, 8, 12]) }],
    subgraphs: [{
      tensors: [
        { name: 'x', shape: [2, 3], type: FLOAT32 },
        { name: 'w_int8', shape: [2, 3], type: INT8, buffer: 1, quant: { scale: [0.5, 0.25], zeroPoint: [0, 0], dim: 0 } },
        { name: 'w', shape: [2, 3], type: FLOAT32 },
        { name: 'y', shape: [2, 3], type: FLOAT32 },
      ],
      inputs: [0],
      outputs: [3],
      operators: [
        { opcode: 0, inputs: [1], outputs: [2] },
        { opcode: 1, inputs: [0, 2], outputs: [3], optionsType: ADD_OPTIONS },
      ],
    }],
  });
}

/** A custom operator with flexbuffer-ish options, a variable tensor and a shape signature: reader only. */
export function customOpModel(): Uint8Array {
  return buildHandModel({
    opcodes: [{ builtin: CUSTOM, custom: 'TinyEdgeMystery' }, { deprecated: ADD, builtin: ADD }],
    buffers: [{}],
    subgraphs: [{
      name: 'custom',
      tensors: [
        { name: 'in', shape: [1, 8], type: FLOAT32, shapeSignature: [-1, 8] },
        { name: 'state', shape: [1, 8], type: FLOAT32, isVariable: true },
        { name: 'mid', shape: [1, 8], type: FLOAT32 },
        { name: 'out', shape: [1, 8], type: FLOAT32 },
      ],
      inputs: [0],
      outputs: [3],
      operators: [
        { opcode: 0, inputs: [0, -1], outputs: [2], customOptions: new Uint8Array([1, 2, 3, 4, 5]) },
        { opcode: 1, inputs: [2, 1], outputs: [3], optionsType: ADD_OPTIONS },
      ],
    }],
  });
}

/** y = x + c with c stored outside the flatbuffer via Buffer.offset/size (schema 3c): reader only. */
export function externalBufferModel(): Uint8Array {
  return buildHandModel({
    opcodes: [{ deprecated: ADD, builtin: ADD }],
    buffers: [{}, { external: f32Bytes([10, 20, 30]) }],
    subgraphs: [{
      tensors: [
        { name: 'x', shape: [3], type: FLOAT32 },
        { name: 'c', shape: [3], type: FLOAT32, buffer: 1 },
        { name: 'y', shape: [3], type: FLOAT32 },
      ],
      inputs: [0],
      outputs: [2],
      operators: [{ opcode: 0, inputs: [0, 1], outputs: [2], optionsType: ADD_OPTIONS }],
    }],
  });
}
