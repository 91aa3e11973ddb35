import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LlamaConfig } from '../src/models/llama/config.js';
import { LlamaReference } from '../src/models/llama/llama-reference.js';
import { randomLlamaWeights } from '../src/models/llama/random-llama-weights.js';
import { useWasmBackend } from '../src/train/tfjs-backend.js';
import { TfjsLlama } from '../src/train/tfjs-llama.js';
import { makeBatch } from '../src/train/training-data.js';
import type { EncodedExample } from '../src/train/training-data.js';

// The tfjs training model against the oracle the TFLite graphs are tested
// against (LlamaReference), and its hand-written backward pass against
// finite differences.

const SHAPES: Record<string, LlamaConfig> = {
  'tied classifier, 8 heads / 2 kv heads': { dim: 64, hiddenDim: 96, nLayers: 2, nHeads: 8, nKvHeads: 2, vocabSize: 100, seqLen: 32, sharedClassifier: true },
  'separate classifier, 4 heads': { dim: 48, hiddenDim: 128, nLayers: 3, nHeads: 4, nKvHeads: 4, vocabSize: 80, seqLen: 32, sharedClassifier: false },
};

beforeAll(async () => {
  await useWasmBackend();
});

function referenceLogits(config: LlamaConfig, model: TfjsLlama, tokens: number[]): Float32Array[] {
  const ref = new LlamaReference(config, model.toLlamaWeights());
  return tokens.map((t, pos) => ref.forward(t, pos));
}

function tokensOf(n: number, vocab: number, salt: number): number[] {
  return Array.from({ length: n }, (_, i) => (i * 37 + salt * 11 + 5) % vocab);
}

describe('TfjsLlama forward pass', () => {
  for (const [name, config] of Object.entries(SHAPES)) {
    it(`matches LlamaReference within 1e-4 at every position of a batch: ${name}`, () => {
      const model = TfjsLlama.fromLlamaWeights(config, randomLlamaWeights(config, 11));
      const batch = 3;
      const positions = 24;
      const seqs = Array.from({ length: batch }, (_, b) => tokensOf(positions, config.vocabSize, b));
      const logits = tf.tidy(() => model.logits(Int32Array.from(seqs.flat()), batch, positions));
      const got = logits.dataSync() as Float32Array;
      logits.dispose();
      let maxDiff = 0;
      seqs.forEach((seq, b) => {
        referenceLogits(config, model, seq).forEach((want, pos) => {
          const row = (b * positions + pos) * config.vocabSize;
          for (let i = 0; i < config.vocabSize; i++) maxDiff = Math.max(maxDiff, Math.abs(got[row + i]! - want[i]!));
        });
      });
      expect(maxDiff).toBeLessThan(1e-4);
      model.dispose();
    });
  }

  it('round-trips llama2.c-layout weights exactly (fromLlamaWeights, then toLlamaWeights)', () => {
    const config = SHAPES['tied classifier, 8 heads / 2 kv heads']!;
    const weights = randomLlamaWeights(config, 3);
    const model = TfjsLlama.fromLlamaWeights(config, weights);
    const back = model.toLlamaWeights();
    expect(back.tokenEmbedding).toEqual(weights.tokenEmbedding);
    expect(back.layers[1]!.wk).toEqual(weights.layers[1]!.wk);
    expect(back.layers[0]!.w2).toEqual(weights.layers[0]!.w2);
    expect(back.classifier).toBeNull();
    model.dispose();
  });

  it('the loss is the cross-entropy of the reference logits over the action tokens only', () => {
    const config = SHAPES['separate classifier, 4 heads']!;
    const model = TfjsLlama.fromLlamaWeights(config, randomLlamaWeights(config, 5));
    const examples: EncodedExample[] = [
      { ids: Int32Array.from([1, 9, 14, 3, 22, 7, 2]), promptLength: 4 },
      { ids: Int32Array.from([1, 30, 3, 41, 42, 43, 44, 45, 2]), promptLength: 3 },
    ];
    let sum = 0;
    let count = 0;
    for (const e of examples) {
      const logits = referenceLogits(config, model, [...e.ids.subarray(0, -1)]);
      for (let t = e.promptLength - 1; t < e.ids.length - 1; t++) {
        const row = logits[t]!;
        const max = Math.max(...row);
        const logZ = max + Math.log(row.reduce((a, x) => a + Math.exp(x - max), 0));
        sum += logZ - row[e.ids[t + 1]!]!;
        count++;
      }
    }
    const loss = tf.tidy(() => model.loss(makeBatch(examples, 0)));
    expect(loss.dataSync()[0]!).toBeCloseTo(sum / count, 4);
    loss.dispose();
    model.dispose();
  });

  it('packing several examples into one row changes neither the loss nor the gradients', () => {
    const config = SHAPES['tied classifier, 8 heads / 2 kv heads']!;
    const model = TfjsLlama.fromLlamaWeights(config, randomLlamaWeights(config, 8));
    const examples: EncodedExample[] = [
      { ids: Int32Array.from([1, 5, 7, 9, 11, 3, 4]), promptLength: 3 },
      { ids: Int32Array.from([1, 8, 2, 22, 31, 5, 6, 7, 8, 12]), promptLength: 4 },
      { ids: Int32Array.from([1, 3, 3]), promptLength: 2 },
    ];
    const packed = makeBatch(examples, 0, 16);
    const plain = makeBatch(examples, 0);
    expect(packed.batch).toBe(2);
    expect(plain.batch).toBe(3);
    const vars = model.namedVariables().map((v) => v.variable);
    const a = tf.variableGrads(() => model.loss(packed), vars);
    const b = tf.variableGrads(() => model.loss(plain), vars);
    expect(a.value.dataSync()[0]).toBeCloseTo(b.value.dataSync()[0]!, 6);
    let maxDiff = 0;
    for (const v of vars) {
      const ga = a.grads[v.name]!.dataSync();
      const gb = b.grads[v.name]!.dataSync();
      for (let i = 0; i < ga.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ga[i]! - gb[i]!));
    }
    expect(maxDiff).toBeLessThan(1e-6);
    tf.dispose([a.value, b.value, ...Object.values(a.grads), ...Object.values(b.grads)]);
    model.dispose();
  });
});

describe('TfjsLlama backward pass', () => {
  for (const [name, config] of Object.entries({
    'tied, grouped kv heads': { dim: 16, hiddenDim: 24, nLayers: 2, nHeads: 4, nKvHeads: 2, vocabSize: 40, seqLen: 16, sharedClassifier: true },
    'separate classifier': { dim: 16, hiddenDim: 24, nLayers: 2, nHeads: 2, nKvHeads: 2, vocabSize: 40, seqLen: 16, sharedClassifier: false },
  } satisfies Record<string, LlamaConfig>)) {
    it(`every weight's gradient matches a central finite difference along a random direction: ${name}`, () => {
      const model = TfjsLlama.fromLlamaWeights(config, randomLlamaWeights(config, 3));
      const batch = makeBatch([
        { ids: Int32Array.from([1, 5, 7, 9, 11, 3, 4]), promptLength: 3 },
        { ids: Int32Array.from([1, 8, 2, 22, 31, 5, 6, 7, 8, 12]), promptLength: 4 },
      ], 0, 16);
      const named = model.namedVariables();
      const { value, grads } = tf.variableGrads(() => model.loss(batch), named.map((v) => v.variable));
      let seed = 7;
      const rnd = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5;
      const eps = 1e-3;
      for (const { name: weight, variable } of named) {
        const g = grads[variable.name]!.dataSync();
        const d = Float32Array.from({ length: variable.size }, rnd);
        let analytic = 0;
        for (let i = 0; i < d.length; i++) analytic += g[i]! * d[i]!;
        const original = variable.clone();
        const lossAt = (s: number): number => {
          tf.tidy(() => variable.assign(tf.add(original, tf.mul(tf.tensor(d, variable.shape), s))));
          const l = tf.tidy(() => model.loss(batch));
          const out = l.dataSync()[0]!;
          l.dispose();
          return out;
        };
        const numeric = (lossAt(eps) - lossAt(-eps)) / (2 * eps);
        variable.assign(original);
        original.dispose();
        // float32 central differences: a few parts in a thousand, plus an absolute floor
        expect(Math.abs(analytic - numeric), weight).toBeLessThan(0.03 * Math.abs(numeric) + 2e-3);
      }
      tf.dispose([value, ...Object.values(grads)]);
      model.dispose();
    });
  }
});
