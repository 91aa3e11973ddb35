import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Builder } from 'flatbuffers';
import tflite from 'tfjs-tflite-node';
import { describe, expect, it } from 'vitest';
import { isTinyEdgeError } from '../src/errors.js';
import { formatTfliteSummary } from '../src/tflite/format-tflite-summary.js';
import { readTfliteModel } from '../src/tflite/read-tflite-model.js';
import { summarizeTfliteModel } from '../src/tflite/summarize-tflite-model.js';
import type { TfliteModelInfo } from '../src/tflite/tflite-model-info.js';
import { buildHandModel, f32Bytes } from './support/hand-built-tflite.js';
import { addModel, broadcastModel, customOpModel, externalBufferModel, perChannelModel } from './support/sample-tflite-models.js';

/** A real third-party model, present once the package that ships it is a devDependency. */
const THIRD_PARTY = fileURLToPath(
  new URL('../node_modules/@mediapipe/face_detection/face_detection_short_range.tflite', import.meta.url),
);

function expectFormatError(bytes: Uint8Array, message: RegExp, hint?: RegExp): void {
  let caught: unknown;
  try {
    readTfliteModel(bytes);
  } catch (err) {
    caught = err;
  }
  expect(isTinyEdgeError(caught, 'E_MODEL_FORMAT'), String(caught)).toBe(true);
  if (!isTinyEdgeError(caught)) return;
  expect(caught.message).toMatch(message);
  if (hint !== undefined) expect(caught.hint).toMatch(hint);
}

/** The native interpreter's view of a model's inputs and outputs, next to the reader's. */
function compareWithNative(bytes: Uint8Array, info: TfliteModelInfo): InstanceType<typeof tflite.TFLiteNodeModelRunner> {
  const runner = new tflite.TFLiteNodeModelRunner(bytes.slice().buffer, { threads: 1 });
  const main = info.subgraphs[0];
  if (main === undefined) throw new Error('no subgraph');
  const ours = (indices: number[]): string[][] =>
    indices.map((i) => {
      const t = main.tensors[i];
      return [t?.name ?? '?', t?.dtype ?? '?', (t?.shape ?? []).join(',')];
    });
  const native = (tensors: { name: string; dataType: string; shape: string }[]): string[][] =>
    tensors.map((t) => [t.name, t.dataType, t.shape]);
  expect(native(runner.getInputs())).toEqual(ours(main.inputs));
  expect(native(runner.getOutputs())).toEqual(ours(main.outputs));
  return runner;
}

describe('readTfliteModel on hand-built models', () => {
  it('reads description, subgraph name, metadata, signature defs and buffers', () => {
    const bytes = addModel();
    const info = readTfliteModel(bytes);
    expect(info.fileSize).toBe(bytes.length);
    expect(info.version).toBe(3);
    expect(info.description).toBe('hand-built add');
    expect(info.operatorCodes).toEqual([{ builtinCode: 0, customCode: '', version: 1, name: 'ADD' }]);
    const sg = info.subgraphs[0];
    expect(sg?.name).toBe('main');
    expect(sg?.tensors.map((t) => [t.name, t.dtype, t.shape, t.buffer])).toEqual([
      ['x', 'float32', [1, 4], 0], ['c', 'float32', [1, 4], 1], ['y', 'float32', [1, 4], 0],
    ]);
    expect(sg?.operators).toEqual([{ opcodeIndex: 0, inputs: [0, 1], outputs: [2], builtinOptionsType: 11, customOptionsBytes: 0 }]);
    expect(info.metadata).toEqual([{ name: 'tinyedge_note', buffer: 2 }]);
    expect(info.signatureDefs).toEqual([{
      key: 'serving_default', subgraphIndex: 0,
      inputs: [{ name: 'in', tensorIndex: 0 }], outputs: [{ name: 'out', tensorIndex: 2 }],
    }]);
    expect(info.buffers[0]).toEqual({ byteLength: 0, byteOffset: 0, external: false });
    const c = info.buffers[1];
    expect(c?.byteLength).toBe(16);
    expect(bytes.subarray(c?.byteOffset, (c?.byteOffset ?? 0) + 16)).toEqual(f32Bytes([1, 2, 3, 4]));
    const note = info.buffers[2];
    expect(new TextDecoder().decode(bytes.subarray(note?.byteOffset, (note?.byteOffset ?? 0) + (note?.byteLength ?? 0))))
      .toBe('tinyedge test metadata');
  });

  it('takes builtin codes above 127 from builtin_code, and old files from the byte field alone', () => {
    expect(readTfliteModel(broadcastModel()).operatorCodes).toEqual([{ builtinCode: 130, customCode: '', version: 2, name: 'BROADCAST_TO' }]);
    expect(readTfliteModel(perChannelModel()).operatorCodes.map((c) => [c.builtinCode, c.name])).toEqual([[6, 'DEQUANTIZE'], [0, 'ADD']]);
  });

  it('reads per-channel int8 quantization', () => {
    const w = readTfliteModel(perChannelModel()).subgraphs[0]?.tensors[1];
    expect(w?.dtype).toBe('int8');
    expect(w?.quantization).toEqual({ scale: [0.5, 0.25], zeroPoint: [0, 0], quantizedDimension: 0, min: [], max: [] });
  });

  it('reads custom operators, optional inputs, variable tensors and shape signatures', () => {
    const info = readTfliteModel(customOpModel());
    expect(info.operatorCodes[0]).toEqual({ builtinCode: 32, customCode: 'TinyEdgeMystery', version: 1, name: 'TinyEdgeMystery' });
    const sg = info.subgraphs[0];
    expect(sg?.name).toBe('custom');
    expect(sg?.operators[0]).toMatchObject({ inputs: [0, -1], customOptionsBytes: 5, builtinOptionsType: 0 });
    expect(sg?.tensors[0]?.shapeSignature).toEqual([-1, 8]);
    expect(sg?.tensors[1]?.isVariable).toBe(true);
    expect(sg?.tensors[2]?.shapeSignature).toBeNull();
  });

  it('finds buffers stored outside the flatbuffer through offset and size', () => {
    const bytes = externalBufferModel();
    const b = readTfliteModel(bytes).buffers[1];
    expect(b?.external).toBe(true);
    expect(b?.byteLength).toBe(12);
    expect(bytes.subarray(b?.byteOffset, (b?.byteOffset ?? 0) + 12)).toEqual(f32Bytes([10, 20, 30]));
    expectFormatError(bytes.subarray(0, bytes.length - 8), /external bytes of Buffer 1/);
  });
});

describe('readTfliteModel agrees with the native interpreter', () => {
  it('on ADD with metadata and a signature def', () => {
    const bytes = addModel();
    const runner = compareWithNative(bytes, readTfliteModel(bytes));
    (runner.getInputs()[0]?.data() as Float32Array).set([10, 20, 30, 40]);
    runner.infer();
    expect(Array.from(runner.getOutputs()[0]?.data() ?? [])).toEqual([11, 22, 33, 44]);
  });

  it('on BROADCAST_TO, a builtin code above 127', () => {
    const bytes = broadcastModel();
    const runner = compareWithNative(bytes, readTfliteModel(bytes));
    (runner.getInputs()[0]?.data() as Float32Array).set([1, 2, 3]);
    runner.infer();
    expect(Array.from(runner.getOutputs()[0]?.data() ?? [])).toEqual([1, 2, 3, 1, 2, 3]);
  });

  it('on per-channel int8 weights dequantized by the interpreter', () => {
    const bytes = perChannelModel();
    const runner = compareWithNative(bytes, readTfliteModel(bytes));
    (runner.getInputs()[0]?.data() as Float32Array).set([0, 0, 0, 10, 10, 10]);
    runner.infer();
    expect(Array.from(runner.getOutputs()[0]?.data() ?? [])).toEqual([1, 2, 3, 11, 12, 13]);
  });

  it.skipIf(!existsSync(THIRD_PARTY))('on a third-party model (MediaPipe face detection)', () => {
    const bytes = new Uint8Array(readFileSync(THIRD_PARTY));
    const info = readTfliteModel(bytes);
    compareWithNative(bytes, info);
    const summary = summarizeTfliteModel(info);
    expect(summary.operatorCount).toBeGreaterThan(10);
    expect(summary.parameterCount).toBeGreaterThan(1000);
  });
});

describe('readTfliteModel on bad input', () => {
  it('rejects non-Uint8Array arguments with a TypeError', () => {
    expect(() => readTfliteModel('model.tflite' as unknown as Uint8Array)).toThrow(TypeError);
  });

  it('names the format it recognises instead of TFLite', () => {
    expectFormatError(new Uint8Array(0), /only 0 byte/, /empty/);
    expectFormatError(new TextEncoder().encode('PK\x03\x04rest-of-a-zip'), /"TFL3" at byte offset 4/, /zip/);
    expectFormatError(new TextEncoder().encode('GGUF\x03\x00\x00\x00more'), /TFL3/, /GGUF/);
    expectFormatError(new TextEncoder().encode('{"model": "x"}'), /TFL3/, /JSON/);
    const header = new Int32Array([288, 768, 6, 6, 6, -32000, 256, 0]);
    expectFormatError(new Uint8Array(header.buffer), /TFL3/, /llama2\.c checkpoint/);
    const sizePrefixed = new Uint8Array(addModel().length + 4);
    sizePrefixed.set(addModel(), 4);
    expectFormatError(sizePrefixed, /TFL3/, /size-prefixed/);
  });

  it('reports a truncated file with the offset it expected data at', () => {
    const bytes = addModel();
    expectFormatError(bytes.subarray(0, 200), /expected .* at byte offset \d+, but .*200-byte file/);
  });

  it('rejects indices that point outside their lists', () => {
    const base = {
      opcodes: [{ builtin: 0 }],
      buffers: [{}],
      subgraphs: [{
        tensors: [{ name: 'a', shape: [1], type: 0 }, { name: 'b', shape: [1], type: 0 }],
        inputs: [0], outputs: [1],
        operators: [{ opcode: 0, inputs: [0, 0], outputs: [1] }],
      }],
    };
    expect(readTfliteModel(buildHandModel(base)).subgraphs).toHaveLength(1);
    const sg = base.subgraphs[0];
    if (sg === undefined) throw new Error('unreachable');
    expectFormatError(buildHandModel({ ...base, subgraphs: [{ ...sg, operators: [{ opcode: 3, inputs: [0], outputs: [1] }] }] }),
      /opcode index below 1 in SubGraph 0 Operator 0/);
    expectFormatError(buildHandModel({ ...base, subgraphs: [{ ...sg, outputs: [7] }] }), /tensor indices below 2 in SubGraph 0.outputs/);
    expectFormatError(buildHandModel({ ...base, subgraphs: [{ ...sg, tensors: [{ name: 'a', shape: [1], type: 0, buffer: 9 }, { name: 'b', shape: [1], type: 0 }] }] }),
      /buffer index below 1/);
    expectFormatError(buildHandModel({ ...base, signatures: [{ key: 's', subgraph: 4, inputs: [], outputs: [] }] }), /subgraph index below 1/);
    expectFormatError(buildHandModel({ ...base, metadata: [{ name: 'm', buffer: 5 }] }), /buffer index below 1 in Metadata 0/);
  });

  it('stops files whose offsets make many tables share one huge vector', () => {
    // 4,000 tensor entries all pointing at one tensor whose shape has 4,000
    // dimensions: 16M values to read from ~48 KB, unless the budget stops it.
    const b = new Builder(1 << 16);
    b.startVector(4, 4000, 4);
    for (let i = 0; i < 4000; i++) b.addInt32(1);
    const shape = b.endVector();
    b.startObject(2);
    b.addFieldOffset(0, shape, 0);
    const tensor = b.endObject();
    b.startVector(4, 4000, 4);
    for (let i = 0; i < 4000; i++) b.addOffset(tensor);
    const tensors = b.endVector();
    b.startObject(1);
    b.addFieldOffset(0, tensors, 0);
    const subgraph = b.endObject();
    b.startVector(4, 1, 4);
    b.addOffset(subgraph);
    const subgraphs = b.endVector();
    b.startObject(3);
    b.addFieldOffset(2, subgraphs, 0);
    b.finish(b.endObject(), 'TFL3');
    const started = performance.now();
    expectFormatError(b.asUint8Array(), /shared or overlapping data/);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('summarizeTfliteModel and formatTfliteSummary', () => {
  it('counts operators, tensors, parameters and bytes by dtype', () => {
    const summary = summarizeTfliteModel(readTfliteModel(perChannelModel()));
    expect(summary).toMatchObject({
      subgraphCount: 1, operatorCount: 2, tensorCount: 4, parameterCount: 6, constantBytes: 6,
      operators: [
        { name: 'ADD', builtinCode: 0, custom: false, count: 1 },
        { name: 'DEQUANTIZE', builtinCode: 6, custom: false, count: 1 },
      ],
      bytesByDtype: [{ dtype: 'int8', parameters: 6, bytes: 6 }],
      inputs: [{ name: 'x', dtype: 'float32', shape: [2, 3] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: [2, 3] }],
      signatures: [], metadata: [],
    });
  });

  it('counts a buffer shared by two tensors once, and marks custom operators', () => {
    const info = readTfliteModel(buildHandModel({
      opcodes: [{ builtin: 0 }, { builtin: 32, custom: 'Mystery' }],
      buffers: [{}, { data: f32Bytes([1, 2, 3]) }],
      subgraphs: [{
        tensors: [
          { name: 'c1', shape: [3], type: 0, buffer: 1 }, { name: 'c2', shape: [3], type: 0, buffer: 1 },
          { name: 'x', shape: [3], type: 0 }, { name: 'y', shape: [3], type: 0 },
        ],
        inputs: [2], outputs: [3],
        operators: [{ opcode: 0, inputs: [2, 0], outputs: [3] }, { opcode: 1, inputs: [3, 1], outputs: [3] }, { opcode: 0, inputs: [3, 1], outputs: [3] }],
      }],
    }));
    const summary = summarizeTfliteModel(info);
    expect(summary.parameterCount).toBe(3);
    expect(summary.bytesByDtype).toEqual([{ dtype: 'float32', parameters: 3, bytes: 12 }]);
    expect(summary.operators).toEqual([
      { name: 'ADD', builtinCode: 0, custom: false, count: 2 },
      { name: 'Mystery', builtinCode: 32, custom: true, count: 1 },
    ]);
  });

  it('formats a readable report', () => {
    const text = formatTfliteSummary(summarizeTfliteModel(readTfliteModel(addModel())));
    expect(text).toMatch(/^TFLite schema v3, 672 bytes \(672 B\), "hand-built add"\n1 subgraph, 1 operator, 3 tensors, 4 parameters\n/);
    expect(text).toContain('inputs\n  x  float32  [1, 4]\n');
    expect(text).toContain('operators\n  ADD  1\n');
    expect(text).toMatch(/float32 +4 +16 +100\.0%/);
    expect(text).toContain('signatures: serving_default\nmetadata: tinyedge_note\n');
  });
});
