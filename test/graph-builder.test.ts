import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../src/tflite/graph-builder.js';
import { readTfliteModel } from '../src/tflite/read-tflite-model.js';
import { builtinOperatorName } from '../src/tflite/schema.js';
import { createNativeRunner } from '../src/runtime/create-native-runner.js';

describe('GraphBuilder', () => {
  it('writes a graph the native interpreter runs, with named inputs and outputs in order', async () => {
    const g = new GraphBuilder('two outputs');
    const x = g.input('x', 'float32', [1, 4]);
    const w = g.float32('w', [1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 3, 0], [3, 4]);
    const y = g.tensor('y', 'float32', [1, 3]);
    g.op('FULLY_CONNECTED', [x, w, null], [y], { type: 'FullyConnectedOptions' });
    const z = g.tensor('z', 'float32', [1, 3]);
    g.op('MUL', [y, y], [z], { type: 'MulOptions' });
    g.output(z);
    g.output(y);
    const runner = await createNativeRunner(g.finish());
    expect(runner.getInputs().map((t) => [t.name, t.dataType, t.shape])).toEqual([['x', 'float32', '1,4']]);
    expect(runner.getOutputs().map((t) => t.name)).toEqual(['z', 'y']);
    (runner.getInputs()[0]!.data() as Float32Array).set([1, 2, 3, 4]);
    runner.infer();
    expect(Array.from(runner.getOutputs()[0]!.data())).toEqual([1, 16, 81]);
    expect(Array.from(runner.getOutputs()[1]!.data())).toEqual([1, 4, 9]);
  });

  it('stores per-channel int8 quantization, shared buffers and extended operator codes', async () => {
    const g = new GraphBuilder('quantized');
    const x = g.input('x', 'int32', [1]);
    const values = g.buffer(Int8Array.from([1, 2, 3, 4, 5, 6]));
    const table = g.constantFromBuffer('table', 'int8', [3, 2], values);
    const weights = g.constantFromBuffer('weights', 'int8', [3, 2], values, { scale: [0.5, 0.25, 0.125], axis: 0 });
    const row = g.tensor('row', 'int8', [1, 2]);
    g.op('GATHER', [table, x], [row], { type: 'GatherOptions', axis: 0 });
    const deq = g.tensor('deq', 'float32', [3, 2]);
    g.op('DEQUANTIZE', [weights], [deq]);
    g.output(row);
    g.output(deq);
    const info = readTfliteModel(g.finish());
    const sg = info.subgraphs[0]!;
    const byName = new Map(sg.tensors.map((t) => [t.name, t]));
    expect(byName.get('weights')!.quantization).toMatchObject({ scale: [0.5, 0.25, 0.125], quantizedDimension: 0 });
    expect(byName.get('table')!.buffer).toBe(byName.get('weights')!.buffer);
    expect(sg.operators.map((o) => builtinOperatorName(info.operatorCodes[o.opcodeIndex]!.builtinCode))).toEqual(['GATHER', 'DEQUANTIZE']);

    const runner = await createNativeRunner(g.finish());
    (runner.getInputs()[0]!.data() as Int32Array)[0] = 2;
    runner.infer();
    expect(Array.from(runner.getOutputs()[0]!.data())).toEqual([5, 6]);
    expect(Array.from(runner.getOutputs()[1]!.data())).toEqual([0.5, 1, 0.75, 1, 0.625, 0.75]);
  });

  it('writes operator codes above 127 into the extended field', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', [2, 3]);
    const y = g.tensor('y', 'float32', [2, 3]);
    const start = g.int32('start', [0, 1]);
    const update = g.float32('update', [9, 9], [2, 1]);
    g.op('DYNAMIC_UPDATE_SLICE', [x, update, start], [y], { type: 'DynamicUpdateSliceOptions' });
    g.output(y);
    const bytes = g.finish();
    const info = readTfliteModel(bytes);
    expect(info.operatorCodes.map((c) => builtinOperatorName(c.builtinCode))).toEqual(['DYNAMIC_UPDATE_SLICE']);
    const runner = await createNativeRunner(bytes);
    (runner.getInputs()[0]!.data() as Float32Array).set([1, 2, 3, 4, 5, 6]);
    runner.infer();
    expect(Array.from(runner.getOutputs()[0]!.data())).toEqual([1, 9, 3, 4, 9, 6]);
  });

  it('refuses duplicate names, bad shapes, mis-sized constants, foreign tensors and graphs without outputs', () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', [2]);
    expect(() => g.tensor('x', 'float32', [2])).toThrow(/used twice/);
    expect(() => g.tensor('bad', 'float32', [0, 2])).toThrow(/bad shape/);
    expect(() => g.constant('short', 'float32', [3], new Float32Array(2))).toThrow(/needs 12 bytes/);
    expect(() => new GraphBuilder().finish()).toThrow(/no outputs/);
    g.addSubgraph('other');
    const y = g.tensor('y', 'float32', [2]);
    expect(() => g.op('ADD', [x, x], [y], { type: 'AddOptions' })).toThrow(/belongs to subgraph 0/);
  });
});
