/**
 * The portable backend operator by operator: small graphs from GraphBuilder
 * run on the native interpreter and on the portable runner, same inputs,
 * outputs compared. Shapes cover the JavaScript path for small tensors and
 * the kernel path for large ones, broadcasting of every kind, and the
 * options each operator takes. Then what it refuses, and how.
 *
 * Native runners are created on this test's own thread: no inference worker
 * may run in this file (the addon must stay on one thread per process).
 */
import { describe, expect, it } from 'vitest';
import { TinyEdgeError } from '../src/errors.js';
import { createNativeRunner } from '../src/runtime/create-native-runner.js';
import { createPortableRunner } from '../src/runtime/portable/create-portable-runner.js';
import type { ModelRunner } from '../src/runtime/runner.js';
import { buildLlamaTflite } from '../src/models/llama/build-llama-tflite.js';
import { randomLlamaWeights } from '../src/models/llama/random-llama-weights.js';
import { GraphBuilder } from '../src/tflite/graph-builder.js';
import type { DType, TensorRef } from '../src/tflite/graph-builder.js';
import type { OperatorOptions } from '../src/tflite/operator-options.js';
import { addModel, broadcastModel, customOpModel, externalBufferModel, perChannelModel } from './support/sample-tflite-models.js';

type Values = ArrayLike<number>;

/** A deterministic spread of values in about [-scale, scale]. */
function values(n: number, seed: number, scale = 2): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return ((s >>> 8) / (1 << 24) - 0.5) * 2 * scale;
  });
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Fill a runner's inputs in order, run it, copy its outputs out. */
function runWith(runner: ModelRunner, inputs: readonly Values[]): number[][] {
  runner.getInputs().forEach((t, i) => (t.data() as Float32Array).set(inputs[i]!));
  runner.infer();
  return runner.getOutputs().map((t) => Array.from(t.data()));
}

/** Run `bytes` on both backends and expect the same outputs (within `tolerance`, relative to 1 + |value|). */
async function expectParity(bytes: Uint8Array, inputs: readonly Values[], tolerance = 1e-6): Promise<number[][]> {
  const native = runWith(await createNativeRunner(bytes), inputs);
  const portable = await createPortableRunner(bytes);
  try {
    expect(portable.getOutputs().map((t) => `${t.name} ${t.dataType} ${t.shape}`)).toEqual(
      (await createNativeRunner(bytes)).getOutputs().map((t) => `${t.name} ${t.dataType} ${t.shape}`),
    );
    const got = runWith(portable, inputs);
    got.forEach((out, o) => {
      expect(out.length).toBe(native[o]!.length);
      out.forEach((v, i) => {
        const want = native[o]![i]!;
        if (Math.abs(v - want) > tolerance * (1 + Math.abs(want))) {
          throw new Error(`output ${o} element ${i}: portable ${v}, native ${want}`);
        }
      });
    });
    return got;
  } finally {
    portable.dispose();
  }
}

/** A one-operator graph: named float inputs of the given shapes (or other types), one output. */
function oneOp(
  op: Parameters<GraphBuilder['op']>[0],
  inputs: Array<{ shape: number[]; dtype?: DType } | ((g: GraphBuilder) => TensorRef)>,
  out: { shape: number[]; dtype?: DType } | Array<{ shape: number[]; dtype?: DType }>,
  options?: OperatorOptions,
): Uint8Array {
  const g = new GraphBuilder('portable test');
  const refs = inputs.map((x, i) => (typeof x === 'function' ? x(g) : g.input(`in${i}`, x.dtype ?? 'float32', x.shape)));
  const outs = (Array.isArray(out) ? out : [out]).map((o, i) => g.tensor(`out${i}`, o.dtype ?? 'float32', o.shape));
  g.op(op, refs, outs, options);
  for (const o of outs) g.output(o);
  return g.finish();
}

describe('element-wise operators match the native interpreter', () => {
  const broadcasts: Array<[string, number[], number[], number[]]> = [
    ['same shape', [2, 3, 4], [2, 3, 4], [2, 3, 4]],
    ['scalar right', [2, 3, 4], [1], [2, 3, 4]],
    ['scalar left', [], [5, 7], [5, 7]],
    ['trailing axes', [4, 2, 16], [16], [4, 2, 16]],
    ['column against row (index map)', [4, 1, 8], [1, 3, 1], [4, 3, 8]],
    ['large, kernel path', [3, 100, 40], [40], [3, 100, 40]],
  ];
  for (const op of ['ADD', 'SUB', 'MUL'] as const) {
    for (const [label, a, b, out] of broadcasts) {
      it(`${op}, ${label}`, async () => {
        const bytes = oneOp(op, [{ shape: a }, { shape: b }], { shape: out }, { type: `${op === 'ADD' ? 'Add' : op === 'SUB' ? 'Sub' : 'Mul'}Options` } as OperatorOptions);
        await expectParity(bytes, [values(size(a), 1), values(size(b), 2)]);
      });
    }
  }

  it('ADD and MUL on int32 values', async () => {
    await expectParity(oneOp('ADD', [{ shape: [6], dtype: 'int32' }, { shape: [1], dtype: 'int32' }], { shape: [6], dtype: 'int32' }, { type: 'AddOptions' }), [[1, -2, 3, 4000, 5, -6], [7]]);
    await expectParity(oneOp('MUL', [{ shape: [2, 3], dtype: 'int32' }, { shape: [3], dtype: 'int32' }], { shape: [2, 3], dtype: 'int32' }, { type: 'MulOptions' }), [[1, -2, 3, 4, 5, -6], [7, 8, -9]]);
  });

  for (const act of ['RELU', 'RELU6', 'RELU_N1_TO_1'] as const) {
    it(`fused ${act}`, async () => {
      const bytes = oneOp('ADD', [{ shape: [4, 32] }, { shape: [32] }], { shape: [4, 32] }, { type: 'AddOptions', fusedActivation: act });
      await expectParity(bytes, [values(128, 3, 8), values(32, 4, 8)]);
    });
  }

  for (const op of ['LOGISTIC', 'SIN', 'COS', 'SQUARE', 'RSQRT'] as const) {
    for (const n of [37, 20000]) {
      it(`${op} on ${n} values`, async () => {
        const x = values(n, 5, 6);
        if (op === 'RSQRT') x.forEach((v, i) => (x[i] = Math.abs(v) + 0.01));
        await expectParity(oneOp(op, [{ shape: [n] }], { shape: [n] }), [x], 2e-6);
      });
    }
  }

  it('LESS and GREATER on floats and ints, with broadcasting', async () => {
    await expectParity(oneOp('LESS', [{ shape: [3, 4] }, { shape: [4] }], { shape: [3, 4], dtype: 'bool' }), [values(12, 6), values(4, 7)]);
    await expectParity(oneOp('GREATER', [{ shape: [5], dtype: 'int32' }, { shape: [1], dtype: 'int32' }], { shape: [5], dtype: 'bool' }), [[1, 2, 3, 4, 5], [3]]);
    await expectParity(oneOp('LESS', [{ shape: [9000] }, { shape: [9000] }], { shape: [9000], dtype: 'bool' }), [values(9000, 8), values(9000, 9)]);
  });

  it('SELECT with a condition per row, and SELECT_V2 with broadcasting', async () => {
    const cond = (shape: number[]) => (g: GraphBuilder): TensorRef => {
      const x = g.input('c', 'float32', shape);
      const c = g.tensor('cond', 'bool', shape);
      g.op('GREATER', [x, g.float32('zero', [0], [1])], [c]);
      return c;
    };
    await expectParity(oneOp('SELECT', [cond([3]), { shape: [3, 2] }, { shape: [3, 2] }], { shape: [3, 2] }), [[1, -1, 2], values(6, 10), values(6, 11)]);
    await expectParity(oneOp('SELECT_V2', [cond([1, 4]), { shape: [3, 4] }, { shape: [1] }], { shape: [3, 4] }), [[1, -1, 2, -3], values(12, 12), [42]]);
  });

  it('CAST truncates toward zero and converts to and from bool', async () => {
    const x = [-2.7, -0.5, 0, 0.5, 1.99, 3.5];
    await expectParity(oneOp('CAST', [{ shape: [6] }], { shape: [6], dtype: 'int32' }, { type: 'CastOptions', inDataType: 'FLOAT32', outDataType: 'INT32' }), [x]);
    await expectParity(oneOp('CAST', [{ shape: [6] }], { shape: [6], dtype: 'bool' }, { type: 'CastOptions', inDataType: 'FLOAT32', outDataType: 'BOOL' }), [x]);
    await expectParity(oneOp('CAST', [{ shape: [4], dtype: 'int32' }], { shape: [4] }, { type: 'CastOptions', inDataType: 'INT32', outDataType: 'FLOAT32' }), [[-3, 0, 7, 123456]]);
  });
});

describe('shape and index operators match the native interpreter', () => {
  it('RESHAPE from a shape input with -1', async () => {
    const bytes = oneOp('RESHAPE', [{ shape: [2, 3, 4] }, (g) => g.int32('shape', [4, -1])], { shape: [4, 6] }, { type: 'ReshapeOptions', newShape: [4, 6] });
    await expectParity(bytes, [values(24, 13)]);
  });

  it('CONCATENATION along the last axis (negative) and the first', async () => {
    await expectParity(oneOp('CONCATENATION', [{ shape: [2, 3] }, { shape: [2, 1] }, { shape: [2, 2] }], { shape: [2, 6] }, { type: 'ConcatenationOptions', axis: -1 }), [values(6, 1), values(2, 2), values(4, 3)]);
    await expectParity(oneOp('CONCATENATION', [{ shape: [1, 3] }, { shape: [2, 3] }], { shape: [3, 3] }, { type: 'ConcatenationOptions', axis: 0 }), [values(3, 4), values(6, 5)]);
  });

  it('SPLIT into equal parts and SPLIT_V with a -1 size', async () => {
    await expectParity(oneOp('SPLIT', [(g) => g.int32('axis', [1], []), { shape: [2, 6, 2] }], [{ shape: [2, 2, 2] }, { shape: [2, 2, 2] }, { shape: [2, 2, 2] }], { type: 'SplitOptions', numSplits: 3 }), [values(24, 6)]);
    await expectParity(oneOp('SPLIT_V', [{ shape: [3, 7] }, (g) => g.int32('sizes', [2, -1, 1]), (g) => g.int32('axis', [-1], [])], [{ shape: [3, 2] }, { shape: [3, 4] }, { shape: [3, 1] }], { type: 'SplitVOptions', numSplits: 3 }), [values(21, 7)]);
  });

  it('SLICE with constant bounds (size -1) and with a begin computed at run time', async () => {
    await expectParity(oneOp('SLICE', [{ shape: [3, 5, 4] }, (g) => g.int32('begin', [1, 2, 0]), (g) => g.int32('size', [2, -1, 3])], { shape: [2, 3, 3] }), [values(60, 8)]);
    await expectParity(oneOp('SLICE', [{ shape: [4, 6] }, { shape: [2], dtype: 'int32' }, (g) => g.int32('size', [2, 3])], { shape: [2, 3] }), [values(24, 9), [1, 2]]);
  });

  it('TRANSPOSE by a permutation', async () => {
    await expectParity(oneOp('TRANSPOSE', [{ shape: [2, 3, 4] }, (g) => g.int32('perm', [2, 0, 1])], { shape: [4, 2, 3] }), [values(24, 10)]);
  });

  it('FILL with a value computed at run time', async () => {
    await expectParity(oneOp('FILL', [(g) => g.int32('dims', [2, 3]), { shape: [] }], { shape: [2, 3] }), [[1.25]]);
  });

  it('GATHER along axis 0 and axis 1, from a constant table and from an input', async () => {
    const table = values(40, 11);
    await expectParity(oneOp('GATHER', [(g) => g.float32('table', table, [8, 5]), { shape: [3], dtype: 'int32' }], { shape: [3, 5] }, { type: 'GatherOptions', axis: 0 }), [[7, 0, 3]]);
    await expectParity(oneOp('GATHER', [{ shape: [2, 6, 3] }, (g) => g.int32('idx', [5, 0, 0, 2])], { shape: [2, 4, 3] }, { type: 'GatherOptions', axis: 1 }), [values(36, 12)]);
  });

  it('MEAN and SUM, with and without keep_dims', async () => {
    await expectParity(oneOp('MEAN', [{ shape: [2, 3, 4] }, (g) => g.int32('axes', [1, -1])], { shape: [2, 1, 1] }, { type: 'ReducerOptions', keepDims: true }), [values(24, 13)]);
    await expectParity(oneOp('SUM', [{ shape: [2, 3, 4] }, (g) => g.int32('axes', [0])], { shape: [3, 4] }, { type: 'ReducerOptions', keepDims: false }), [values(24, 14)]);
  });

  it('SOFTMAX with beta', async () => {
    await expectParity(oneOp('SOFTMAX', [{ shape: [3, 10] }], { shape: [3, 10] }, { type: 'SoftmaxOptions', beta: 0.5 }), [values(30, 15, 10)]);
  });

  it('DYNAMIC_UPDATE_SLICE clamps its start so that the update fits', async () => {
    const bytes = oneOp('DYNAMIC_UPDATE_SLICE', [{ shape: [2, 5, 3] }, { shape: [2, 2, 3] }, { shape: [3], dtype: 'int32' }], { shape: [2, 5, 3] });
    await expectParity(bytes, [values(30, 16), values(12, 17), [0, 1, 0]]);
    await expectParity(bytes, [values(30, 16), values(12, 17), [-4, 9, 7]]);
  });
});

describe('matrix operators match the native interpreter', () => {
  it('FULLY_CONNECTED with bias, fused RELU and keep_num_dims on a rank-3 input', async () => {
    const w = values(6 * 4, 20);
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', [2, 3, 4]);
    const y = g.tensor('y', 'float32', [2, 3, 6]);
    g.op('FULLY_CONNECTED', [x, g.float32('w', w, [6, 4]), g.float32('b', values(6, 21), [6])], [y], { type: 'FullyConnectedOptions', keepNumDims: true, fusedActivation: 'RELU' });
    g.output(y);
    await expectParity(g.finish(), [values(24, 22)], 1e-5);
  });

  it('FULLY_CONNECTED flattens leading axes into the batch without keep_num_dims', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', [2, 2, 8]);
    const y = g.tensor('y', 'float32', [4, 3]);
    g.op('FULLY_CONNECTED', [x, g.float32('w', values(24, 23), [3, 8]), null], [y], { type: 'FullyConnectedOptions' });
    g.output(y);
    await expectParity(g.finish(), [values(32, 24)], 1e-5);
  });

  for (const asymmetric of [true, false]) {
    it(`hybrid FULLY_CONNECTED (int8 weights, ${asymmetric ? 'asymmetric' : 'symmetric'} input quantization) gives the native kernel's numbers`, async () => {
      const g = new GraphBuilder();
      const x = g.input('x', 'float32', [3, 40]);
      const w = Int8Array.from(values(40 * 24, 25, 127), (v) => Math.round(v));
      const y = g.tensor('y', 'float32', [3, 24]);
      g.op('FULLY_CONNECTED', [x, g.constant('w', 'int8', [24, 40], w, { scale: [0.02] }), null], [y], { type: 'FullyConnectedOptions', asymmetricQuantizeInputs: asymmetric });
      g.output(y);
      const input = values(120, 26, 3);
      input.fill(0, 40, 80); // a row of zeros takes TFLite's all-zero branch
      input.forEach((v, i) => (input[i] = i >= 80 ? Math.abs(v) + 0.5 : v)); // a row with no negative value
      await expectParity(g.finish(), [input], 1e-6);
    });
  }

  it('BATCH_MATMUL with adj_x / adj_y and a broadcast batch', async () => {
    await expectParity(oneOp('BATCH_MATMUL', [{ shape: [2, 3, 4] }, { shape: [2, 5, 4] }], { shape: [2, 3, 5] }, { type: 'BatchMatMulOptions', adjY: true }), [values(24, 30), values(40, 31)], 1e-5);
    await expectParity(oneOp('BATCH_MATMUL', [{ shape: [2, 4, 3] }, { shape: [1, 4, 5] }], { shape: [2, 3, 5] }, { type: 'BatchMatMulOptions', adjX: true }), [values(24, 32), values(20, 33)], 1e-5);
    await expectParity(oneOp('BATCH_MATMUL', [{ shape: [1, 3, 4] }, { shape: [1, 4, 6] }], { shape: [1, 3, 6] }, { type: 'BatchMatMulOptions' }), [values(12, 34), values(24, 35)], 1e-5);
    // Large enough for the kernel rather than the loop for tiny products.
    await expectParity(oneOp('BATCH_MATMUL', [{ shape: [4, 8, 16] }, { shape: [4, 32, 16] }], { shape: [4, 8, 32] }, { type: 'BatchMatMulOptions', adjY: true }), [values(512, 38), values(2048, 39)], 1e-5);
    await expectParity(oneOp('BATCH_MATMUL', [{ shape: [3, 16, 8] }, { shape: [3, 16, 40] }], { shape: [3, 8, 40] }, { type: 'BatchMatMulOptions', adjX: true }), [values(384, 40), values(1920, 41)], 1e-5);
  });

  it('BATCH_MATMUL against a constant matrix runs as one product over every row', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', [2, 3, 4]);
    const y = g.tensor('y', 'float32', [2, 3, 5]);
    g.op('BATCH_MATMUL', [x, g.float32('m', values(20, 36), [5, 4])], [y], { type: 'BatchMatMulOptions', adjY: true });
    g.output(y);
    await expectParity(g.finish(), [values(24, 37)], 1e-5);
  });

  it('DEQUANTIZE per channel (a hand-built file)', async () => {
    const out = await expectParity(perChannelModel(), [[0, 0, 0, 10, 10, 10]]);
    expect(out[0]).toEqual([1, 2, 3, 11, 12, 13]);
  });
});

describe('the portable runner', () => {
  it('runs hand-built files: metadata, signatures and external buffers are no obstacle', async () => {
    expect(await expectParity(addModel(), [[1, 1, 1, 1]])).toEqual([[2, 3, 4, 5]]);
    const external = await createPortableRunner(externalBufferModel());
    expect(runWith(external, [[1, 2, 3]])).toEqual([[11, 22, 33]]);
    external.dispose();
  });

  it('keeps resource variables from one invoke to the next, initialised once by CALL_ONCE', async () => {
    const g = new GraphBuilder();
    const init = g.addSubgraph('init');
    const handle0 = g.tensor('h', 'resource', []);
    g.op('VAR_HANDLE', [], [handle0], { type: 'VarHandleOptions', sharedName: 'total' });
    g.op('ASSIGN_VARIABLE', [handle0, g.float32('start', [100, 200], [2])], [], { type: 'AssignVariableOptions' });
    g.useSubgraph(0);
    g.op('CALL_ONCE', [], [], { type: 'CallOnceOptions', initSubgraphIndex: init });
    const x = g.input('x', 'float32', [2]);
    const handle = g.tensor('h', 'resource', []);
    g.op('VAR_HANDLE', [], [handle], { type: 'VarHandleOptions', sharedName: 'total' });
    const before = g.tensor('before', 'float32', [2]);
    g.op('READ_VARIABLE', [handle], [before], { type: 'ReadVariableOptions' });
    const after = g.tensor('after', 'float32', [2]);
    g.op('ADD', [before, x], [after], { type: 'AddOptions' });
    g.op('ASSIGN_VARIABLE', [handle, after], [], { type: 'AssignVariableOptions' });
    g.output(after);
    const bytes = g.finish();
    const native = await createNativeRunner(bytes);
    const portable = await createPortableRunner(bytes);
    for (const step of [[1, 2], [10, 20], [0.5, 0.25]]) expect(runWith(portable, [step])).toEqual(runWith(native, [step]));
    expect(runWith(portable, [[0, 0]])).toEqual([[111.5, 222.25]]);
    portable.dispose();
  });

  it('refuses an operator it does not run, naming it (E_MODEL_UNSUPPORTED)', async () => {
    for (const [bytes, name] of [[broadcastModel(), 'BROADCAST_TO'], [customOpModel(), 'TinyEdgeMystery']] as const) {
      const err = await createPortableRunner(bytes).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TinyEdgeError);
      expect((err as TinyEdgeError).code).toBe('E_MODEL_UNSUPPORTED');
      expect((err as TinyEdgeError).message).toContain(`the portable backend does not run the operator ${name}`);
      expect((err as TinyEdgeError).hint).toMatch(/native backend/);
    }
  });

  it('refuses a fused TANH, whose meaning differs between TFLite kernels', async () => {
    const err = await createPortableRunner(oneOp('ADD', [{ shape: [4] }, { shape: [4] }], { shape: [4] }, { type: 'AddOptions', fusedActivation: 'TANH' })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_MODEL_UNSUPPORTED', message: expect.stringMatching(/operator 0 \(ADD\) of subgraph 0: fused activation 4/) });
  });

  it('refuses a truncated model (E_MODEL_FORMAT) and shapes that do not add up', async () => {
    const bytes = addModel();
    const truncated = await createPortableRunner(bytes.slice(0, bytes.length - 40)).catch((e: unknown) => e);
    expect((truncated as TinyEdgeError).code).toBe('E_MODEL_FORMAT');
    const wrong = oneOp('ADD', [{ shape: [2, 3] }, { shape: [4] }], { shape: [2, 4] }, { type: 'AddOptions' });
    const err = await createPortableRunner(wrong).catch((e: unknown) => e);
    expect((err as TinyEdgeError).code).toBe('E_MODEL_FORMAT');
    expect((err as TinyEdgeError).message).toMatch(/shapes \[2, 3\] and \[4\] that broadcast \(operator 0 \(ADD\) of subgraph 0\)/);
  });

  it('reports an index out of range at run time as E_INFERENCE instead of reading stray memory', async () => {
    const runner = await createPortableRunner(oneOp('GATHER', [(g) => g.float32('table', values(10, 1), [5, 2]), { shape: [1], dtype: 'int32' }], { shape: [1, 2] }, { type: 'GatherOptions', axis: 0 }));
    expect(runWith(runner, [[4]])[0]!.length).toBe(2);
    expect(() => runWith(runner, [[5]])).toThrow(expect.objectContaining({ code: 'E_INFERENCE', message: expect.stringMatching(/index 5 is outside \[0, 5\)/) }));
    runner.dispose();
  });

  it('frees its WebAssembly memory on dispose and refuses to run after it', async () => {
    const runner = await createPortableRunner(addModel());
    expect(runner.backend).toBe('portable');
    expect(runner.threads).toBeGreaterThanOrEqual(1);
    runWith(runner, [[1, 2, 3, 4]]);
    runner.dispose();
    runner.dispose();
    expect(() => runner.infer()).toThrow(expect.objectContaining({ code: 'E_CLOSED' }));
  });

  it('six hundred mutated llama graphs (three layouts): each runs or fails with a TinyEdgeError code', async () => {
    const config = { dim: 16, hiddenDim: 32, nLayers: 1, nHeads: 2, nKvHeads: 1, vocabSize: 40, seqLen: 16, sharedClassifier: true };
    const layouts = [{ quantize: 'int8' }, { quantize: 'none', kvCache: 'variables' }, { quantize: 'none', attentionWindow: 4 }] as const;
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const counts: Record<string, number> = {};
    for (const layout of layouts) {
      const model = buildLlamaTflite(config, randomLlamaWeights(config, 1), layout);
      for (let i = 0; i < 200; i++) {
        const bytes = model.slice(0, i % 10 === 0 ? rand(model.length) : model.length);
        for (let k = 1 + rand(4); k > 0; k--) bytes[rand(bytes.length)] = rand(256);
        let outcome: string;
        try {
          const runner = await createPortableRunner(bytes);
          try {
            runner.infer();
            runner.infer();
            outcome = 'ran';
          } catch (err) {
            outcome = err instanceof TinyEdgeError ? `run ${err.code}` : `run ${String(err)}`;
          } finally {
            runner.dispose();
          }
        } catch (err) {
          outcome = err instanceof TinyEdgeError ? err.code : String(err);
        }
        counts[outcome] = (counts[outcome] ?? 0) + 1;
      }
    }
    const allowed = new Set(['ran', 'E_MODEL_FORMAT', 'E_MODEL_UNSUPPORTED', 'run E_INFERENCE']);
    expect(Object.keys(counts).filter((k) => !allowed.has(k))).toEqual([]);
    expect(counts['E_MODEL_FORMAT']).toBeGreaterThan(150);
    expect(counts['ran']).toBeGreaterThan(60);
  });
});
