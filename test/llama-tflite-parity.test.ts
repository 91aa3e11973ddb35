import { describe, expect, it } from 'vitest';
import { buildLlamaTflite } from '../src/models/llama/build-llama-tflite.js';
import type { LlamaConfig } from '../src/models/llama/config.js';
import type { Int8Kernel } from '../src/models/llama/llama-graph-ops.js';
import { LlamaReference } from '../src/models/llama/llama-reference.js';
import { randomLlamaWeights } from '../src/models/llama/random-llama-weights.js';
import { readLlama2cCheckpoint } from '../src/models/llama/read-llama2c-checkpoint.js';
import { writeLlama2cCheckpoint } from '../src/models/llama/write-llama2c-checkpoint.js';
import { KvCacheDecoder } from '../src/runtime/kv-cache-decoder.js';
import { createNativeRunner } from '../src/runtime/create-native-runner.js';

// Shapes cover a tied classifier, a separate one (negative vocab in the
// checkpoint), grouped KV heads, and plain multi-head attention.
const SHAPES: Record<string, LlamaConfig> = {
  'tied classifier, 8 heads / 4 kv heads': { dim: 64, hiddenDim: 172, nLayers: 2, nHeads: 8, nKvHeads: 4, vocabSize: 512, seqLen: 72, sharedClassifier: true },
  'separate classifier, 4 heads': { dim: 48, hiddenDim: 128, nLayers: 3, nHeads: 4, nKvHeads: 4, vocabSize: 320, seqLen: 64, sharedClassifier: false },
  'separate classifier, 8 heads / 2 kv heads': { dim: 64, hiddenDim: 96, nLayers: 2, nHeads: 8, nKvHeads: 2, vocabSize: 256, seqLen: 80, sharedClassifier: false },
};
const STEPS = 64;

interface Comparison {
  maxAbsDiff: number;
  greedyAgreement: number;
  bytes: number;
}

/**
 * Convert through a llama2.c checkpoint (as `tinyedge convert` does), then run
 * the TFLite graph and the reference side by side for STEPS positions, feeding
 * both the reference's greedy token so that they stay on one sequence.
 */
async function compare(config: LlamaConfig, quantize: 'none' | 'int8', int8Kernel: Int8Kernel = 'auto', attentionWindow?: number, kvCache: 'io' | 'variables' = 'io'): Promise<Comparison> {
  const checkpoint = writeLlama2cCheckpoint(config, randomLlamaWeights(config, 1234));
  const { config: read, weights } = readLlama2cCheckpoint(checkpoint);
  const bytes = buildLlamaTflite(read, weights, attentionWindow === undefined ? { quantize, int8Kernel, kvCache } : { quantize, int8Kernel, attentionWindow, kvCache });
  const decoder = new KvCacheDecoder(await createNativeRunner(bytes), read);
  const reference = new LlamaReference(read, weights);
  let maxAbsDiff = 0;
  let greedyAgreement = 0;
  let token = 1;
  for (let pos = 0; pos < STEPS; pos++) {
    const got = decoder.step(token, pos);
    const want = reference.forward(token, pos);
    let argGot = 0;
    let argWant = 0;
    for (let i = 0; i < want.length; i++) {
      maxAbsDiff = Math.max(maxAbsDiff, Math.abs(got[i]! - want[i]!));
      if (got[i]! > got[argGot]!) argGot = i;
      if (want[i]! > want[argWant]!) argWant = i;
    }
    if (argGot === argWant) greedyAgreement++;
    token = argWant;
  }
  return { maxAbsDiff, greedyAgreement: greedyAgreement / STEPS, bytes: bytes.byteLength };
}

describe('llama TFLite graph against the reference forward', () => {
  for (const [name, config] of Object.entries(SHAPES)) {
    it(`fp32 logits match within 1e-4 over ${STEPS} steps, cache in resource variables: ${name}`, async () => {
      const fp32 = await compare(config, 'none', 'auto', undefined, 'variables');
      expect(fp32.maxAbsDiff).toBeLessThan(1e-4);
      expect(fp32.greedyAgreement).toBe(1);
    });

    it(`fp32 logits match within 1e-4 over ${STEPS} steps: ${name}`, async () => {
      const fp32 = await compare(config, 'none');
      expect(fp32.maxAbsDiff).toBeLessThan(1e-4);
      expect(fp32.greedyAgreement).toBe(1);
    });

    for (const kernel of ['hybrid', 'dequantize'] as const) {
      it(`int8 (${kernel}) stays close and agrees on most greedy tokens: ${name}`, async () => {
        const fp32 = await compare(config, 'none');
        const int8 = await compare(config, 'int8', kernel);
        console.log(`int8 ${kernel} ${name}: max |logit diff| ${int8.maxAbsDiff.toFixed(4)}, greedy agreement ${(int8.greedyAgreement * 100).toFixed(1)}%, size ${(100 * int8.bytes / fp32.bytes).toFixed(1)}% of fp32`);
        // Per-row int8 weights: differences of a few tenths of a logit on
        // random weights (hybrid also quantizes activations on the fly), most
        // argmaxes unchanged.
        expect(int8.maxAbsDiff).toBeLessThan(1);
        expect(int8.greedyAgreement).toBeGreaterThanOrEqual(0.8);
        expect(int8.bytes).toBeLessThan(fp32.bytes / 3);
      });
    }
  }

  it('a windowed step (IF pos < window) matches on both sides of the window, and shares one copy of the weights', async () => {
    const config = SHAPES['tied classifier, 8 heads / 4 kv heads']!;
    const windowed = await compare(config, 'none', 'auto', 24);
    expect(windowed.maxAbsDiff).toBeLessThan(1e-4);
    expect(windowed.greedyAgreement).toBe(1);
    const plain = await compare(config, 'none', 'auto', 0);
    expect(windowed.bytes).toBeLessThan(plain.bytes * 1.1);
  });

  it('int8 bundles of the stories260K shape are at most 30% of fp32', async () => {
    const config: LlamaConfig = { dim: 64, hiddenDim: 172, nLayers: 5, nHeads: 8, nKvHeads: 4, vocabSize: 512, seqLen: 512, sharedClassifier: true };
    const weights = randomLlamaWeights(config, 7);
    const fp32 = buildLlamaTflite(config, weights, { quantize: 'none' }).byteLength;
    const int8 = buildLlamaTflite(config, weights, { quantize: 'int8' }).byteLength;
    expect(int8 / fp32).toBeLessThanOrEqual(0.3);
  });
});
