import { describe, expect, it } from 'vitest';
import { loadModel } from '../src/index.js';
import { buildLlamaTflite } from '../src/models/llama/build-llama-tflite.js';
import type { LlamaConfig } from '../src/models/llama/config.js';
import { LlamaReference } from '../src/models/llama/llama-reference.js';
import { randomLlamaWeights } from '../src/models/llama/random-llama-weights.js';
import { createNativeRunner } from '../src/runtime/create-native-runner.js';
import { KvCacheDecoder } from '../src/runtime/kv-cache-decoder.js';
import { WindowedDecoder } from '../src/runtime/windowed-decoder.js';
import { createTinyLlamaBundle } from '../src/testing/index.js';

const config: LlamaConfig = { dim: 32, hiddenDim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, vocabSize: 384, seqLen: 64, sharedClassifier: true };
const ROWS = 16;

describe('WindowedDecoder: a short-context model for early positions, the full one after', () => {
  it('gives the reference logits on both sides of the edge, across two sequences', async () => {
    const weights = randomLlamaWeights(config, 5);
    const window = new KvCacheDecoder(await createNativeRunner(buildLlamaTflite({ ...config, seqLen: ROWS }, weights, { quantize: 'none' })), { ...config, seqLen: ROWS });
    const full = new KvCacheDecoder(await createNativeRunner(buildLlamaTflite(config, weights, { quantize: 'none' })), config);
    const decoder = new WindowedDecoder(window, full);
    for (const length of [40, 24]) {
      const reference = new LlamaReference(config, weights);
      let token = 1;
      let maxDiff = 0;
      for (let pos = 0; pos < length; pos++) {
        const got = decoder.step(token, pos);
        const want = reference.forward(token, pos);
        for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i]! - want[i]!));
        token = want.indexOf(Math.max(...want));
      }
      expect(maxDiff).toBeLessThan(1e-4);
    }
    expect(decoder.inferMs).toBeGreaterThan(0);
  });

  it('refuses a window that is not shorter than the context', async () => {
    const weights = randomLlamaWeights(config, 5);
    const full = new KvCacheDecoder(await createNativeRunner(buildLlamaTflite(config, weights, { quantize: 'none' })), config);
    expect(() => new WindowedDecoder(full, full)).toThrow(/must be shorter/);
  });

  it('a bundle with a window model generates exactly what the same bundle without one does', async () => {
    const texts: string[][] = [];
    let positions = 0;
    for (const windowRows of [0, ROWS]) {
      const tiny = await createTinyLlamaBundle({ config, seed: 5, windowRows });
      expect(tiny.manifest.windowModel?.rows).toBe(windowRows || undefined);
      const model = await loadModel(tiny.dir);
      const { tokens, stats } = await model.generate('Once upon a time', { maxTokens: 40, temperature: 0 }).result;
      await model.close();
      texts.push(tokens.map(String));
      positions = stats.promptTokens + stats.generatedTokens;
    }
    expect(texts[1]).toEqual(texts[0]);
    // The sequence crossed the window's edge, so both interpreters ran.
    expect(positions).toBeGreaterThan(ROWS + 4);
  });
});
