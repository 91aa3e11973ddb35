import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLlamaModels } from '../src/models/llama/build-llama-tflite.js';
import type { LlamaConfig, LlamaWeights } from '../src/models/llama/config.js';
import { createNativeRunner } from '../src/runtime/create-native-runner.js';
import { KvCacheDecoder } from '../src/runtime/kv-cache-decoder.js';
import { BpeTokenizer } from '../src/tokenizers/bpe-tokenizer.js';
import type { TfjsLlama } from '../src/train/tfjs-llama.js';
import { runTrainingLoop } from '../src/train/train-loop.js';
import { encodeExample } from '../src/train/training-data.js';
import { tinyApplianceCorpus } from './support/tiny-appliance-corpus.js';

// The trained tfjs model against the TFLite graph it is exported to, run by
// the native interpreter exactly as the runtime runs bundles: same logits at
// every position of held-out sequences.

let model: TfjsLlama;
let config: LlamaConfig;
let weights: LlamaWeights;
let sequences: number[][];

beforeAll(async () => {
  const corpus = tinyApplianceCorpus(240, 3);
  const train = corpus.slice(0, 200);
  const test = corpus.slice(200);
  const tok = BpeTokenizer.train(train.flatMap((e) => [e.text, e.actionText]), { vocabSize: 320 });
  config = { dim: 32, hiddenDim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, vocabSize: tok.vocabSize, seqLen: 64, sharedClassifier: false };
  const run = await runTrainingLoop({
    config,
    examples: train.map((e) => encodeExample(tok, e)),
    padId: tok.eosId,
    hyper: { steps: 15, batchSize: 16, learningRate: 5e-3, minLearningRate: 5e-4, warmupSteps: 2, weightDecay: 0.1, gradClip: 1, seed: 9 },
    fingerprint: 'parity',
  });
  model = run.model;
  weights = model.toLlamaWeights();
  sequences = test.slice(0, 4).map((e) => [...encodeExample(tok, e).ids]);
});

afterAll(() => {
  model?.dispose();
});

interface Comparison {
  maxAbsDiff: number;
  /** Largest logit spread (max - min) of one position, for scale. */
  spread: number;
  argmaxAgreement: number;
}

async function compare(quantize: 'none' | 'int8'): Promise<Comparison> {
  const { model: bytes } = buildLlamaModels(config, weights, quantize);
  const decoder = new KvCacheDecoder(await createNativeRunner(bytes), config);
  let maxAbsDiff = 0;
  let spread = 0;
  let agree = 0;
  let total = 0;
  for (const seq of sequences) {
    const logits = tf.tidy(() => model.logits(Int32Array.from(seq), 1, seq.length));
    const want = logits.dataSync() as Float32Array;
    logits.dispose();
    seq.forEach((token, pos) => {
      const got = decoder.step(token, pos);
      const row = want.subarray(pos * config.vocabSize, (pos + 1) * config.vocabSize);
      let argGot = 0;
      let argWant = 0;
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < config.vocabSize; i++) {
        maxAbsDiff = Math.max(maxAbsDiff, Math.abs(got[i]! - row[i]!));
        if (got[i]! > got[argGot]!) argGot = i;
        if (row[i]! > row[argWant]!) argWant = i;
        lo = Math.min(lo, row[i]!);
        hi = Math.max(hi, row[i]!);
      }
      spread = Math.max(spread, hi - lo);
      if (argGot === argWant) agree++;
      total++;
    });
  }
  return { maxAbsDiff, spread, argmaxAgreement: agree / total };
}

describe('trained model: exported TFLite logits against the tfjs model', () => {
  it('fp32: the same logits within 1e-4 at every position of held-out sequences', async () => {
    const fp32 = await compare('none');
    expect(fp32.maxAbsDiff).toBeLessThan(1e-4);
    expect(fp32.argmaxAgreement).toBe(1);
  });

  it('int8: within 3% of the logit spread, and the same greedy token at nearly every position', async () => {
    const int8 = await compare('int8');
    console.log(`int8: max |logit diff| ${int8.maxAbsDiff.toFixed(4)} (logit spread ${int8.spread.toFixed(2)}), argmax agreement ${(100 * int8.argmaxAgreement).toFixed(1)}%`);
    // Per-row int8 weights carry a relative error of at most 1/254 of each
    // row's largest weight, and TFLite's hybrid kernels quantize activations
    // on the fly as well; through two layers that moves logits by a few
    // thousandths of their spread, so 3% leaves a wide margin while still
    // failing on any real export mistake (a transposed or misplaced matrix
    // moves them by the whole spread).
    expect(int8.maxAbsDiff).toBeLessThan(0.03 * int8.spread);
    expect(int8.argmaxAgreement).toBeGreaterThanOrEqual(0.9);
  });
});
