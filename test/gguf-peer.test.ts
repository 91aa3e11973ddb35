import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLlama } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLlamaCppPeer } from '../bench/gguf/llama-cpp-peer.js';
import { writeLlamaGguf } from '../bench/gguf/write-gguf.js';
import type { LlamaConfig } from '../src/models/llama/config.js';
import { LlamaReference } from '../src/models/llama/llama-reference.js';
import { randomLlamaWeights } from '../src/models/llama/random-llama-weights.js';
import { Llama2cTokenizer } from '../src/tokenizers/llama2c-tokenizer.js';
import { buildTestTokenizer } from '../src/tokenizers/write-llama2c-tokenizer.js';

const STEPS = 16;
const PROMPT = [1, 300, 301, 302];

function argmax(a: Float32Array): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[best]!) best = i;
  return best;
}

/** Greedy decoding with our reference forward: the oracle node-llama-cpp must agree with. */
function referenceGreedy(config: LlamaConfig, seed: number): { tokens: number[]; logits: Float32Array[] } {
  const ref = new LlamaReference(config, randomLlamaWeights(config, seed));
  let logits: Float32Array = new Float32Array(0);
  for (const [pos, t] of PROMPT.entries()) logits = ref.forward(t, pos);
  const tokens: number[] = [];
  const all: Float32Array[] = [];
  for (let i = 0; i < STEPS; i++) {
    all.push(logits);
    const next = argmax(logits);
    tokens.push(next);
    if (i < STEPS - 1) logits = ref.forward(next, PROMPT.length + i);
  }
  return { tokens, logits: all };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/**
 * node-llama-cpp's prebuilt binaries for macOS and Windows are replaced by an
 * empty package (package.json overrides), so off Linux the peer cannot run;
 * skip there, but never in CI, where a missing binary is a failure.
 */
async function peerAvailable(): Promise<boolean> {
  if (process.env.CI) return true;
  try {
    await getLlama({ gpu: false, build: 'never', skipDownload: true, dryRun: true });
    return true;
  } catch (err) {
    console.warn(`skipping the node-llama-cpp peer tests: ${String(err)}`);
    return false;
  }
}

describe.runIf(await peerAvailable())('node-llama-cpp peer on GGUF written from our weights', () => {
  let dir = '';
  const tokenizer = Llama2cTokenizer.fromBytes(buildTestTokenizer(512), 512);
  const vocab = {
    pieces: Array.from({ length: 512 }, (_, id) => tokenizer.piece(id)),
    scores: Array.from({ length: 512 }, (_, id) => tokenizer.score(id)),
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tinyedge-gguf-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const shapes: [string, LlamaConfig][] = [
    ['grouped KV heads, shared classifier', { dim: 64, hiddenDim: 172, nLayers: 2, nHeads: 4, nKvHeads: 2, vocabSize: 512, seqLen: 64, sharedClassifier: true }],
    ['separate classifier', { dim: 64, hiddenDim: 128, nLayers: 2, nHeads: 8, nKvHeads: 8, vocabSize: 512, seqLen: 64, sharedClassifier: false }],
  ];

  for (const [label, config] of shapes) {
    it(`greedy tokens and logits match the reference forward (${label})`, async () => {
      const path = join(dir, `${label.replace(/\W+/g, '-')}.gguf`);
      await writeFile(path, writeLlamaGguf(config, randomLlamaWeights(config, 7), vocab));
      const expected = referenceGreedy(config, 7);

      // With an f32 KV cache llama.cpp computes what our reference computes, up to summation order.
      const peer = await runLlamaCppPeer(path, { promptTokens: PROMPT, maxTokens: STEPS, threads: 1, logits: true, kvCacheType: 'f32' });
      expect(peer.tokens).toEqual(expected.tokens);
      const diffs = peer.logits!.map((l, i) => maxAbsDiff(l, expected.logits[i]!));
      expect(Math.max(...diffs)).toBeLessThan(1e-4);

      // The benchmark's configuration: llama.cpp's default f16 KV cache, streaming evaluation.
      const fast = await runLlamaCppPeer(path, { promptTokens: PROMPT, maxTokens: STEPS, threads: 1 });
      expect(fast.tokens).toEqual(expected.tokens);
      expect(fast.tokensPerSecond).toBeGreaterThan(0);
      expect(fast.loadMs).toBeGreaterThan(0);
    });
  }

  it('Q8_0 weights still decode greedily close to the fp32 reference', async () => {
    const config: LlamaConfig = { dim: 64, hiddenDim: 192, nLayers: 2, nHeads: 4, nKvHeads: 2, vocabSize: 512, seqLen: 64, sharedClassifier: true };
    const f32 = writeLlamaGguf(config, randomLlamaWeights(config, 11), vocab);
    const q8 = writeLlamaGguf(config, randomLlamaWeights(config, 11), vocab, { weightType: 'q8_0' });
    expect(q8.length).toBeLessThan(0.3 * f32.length);
    const path = join(dir, 'q8.gguf');
    await writeFile(path, q8);
    const expected = referenceGreedy(config, 11);
    const peer = await runLlamaCppPeer(path, { promptTokens: PROMPT, maxTokens: STEPS, threads: 1, logits: true, kvCacheType: 'f32' });
    // llama.cpp also rounds activations to 8 bits in a Q8_0 matmul, so only the first
    // step is compared: later ones drift once a near-tie flips.
    expect(peer.tokens[0]).toBe(expected.tokens[0]);
    expect(maxAbsDiff(peer.logits![0]!, expected.logits[0]!)).toBeLessThan(0.1);
  });
});
