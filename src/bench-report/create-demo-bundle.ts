import type { LlamaConfig } from '../models/llama/config.js';
import { randomLlamaWeights } from '../models/llama/random-llama-weights.js';
import { writeLlama2cCheckpoint } from '../models/llama/write-llama2c-checkpoint.js';
import { convertLlama2c } from '../runtime/convert-llama2c.js';
import { buildTestTokenizer } from '../tokenizers/write-llama2c-tokenizer.js';

/**
 * The shape of karpathy's stories260K checkpoint (dim 64, 5 layers, 8 heads
 * with 4 KV heads, vocabulary 512, 512 positions): the small shape
 * `npm run bench` measures, so the report's figures compare with
 * docs/benchmarks.md.
 */
const DEMO_CONFIG: LlamaConfig = Object.freeze({
  dim: 64, hiddenDim: 172, nLayers: 5, nHeads: 8, nKvHeads: 4, vocabSize: 512, seqLen: 512, sharedClassifier: true,
});

/** What the bench session says about a demo model. */
export const DEMO_ORIGIN = 'random weights in the stories260K shape (no appliance model is bundled)';

/**
 * Write an int8 bundle with random weights in the stories260K shape into
 * `dir`, the way a user converts a llama2.c checkpoint: the checkpoint and a
 * tokenizer go through `convertLlama2c`. Deterministic (seed 260). It
 * generates nonsense at a real model's speed, which is what a bench needs.
 *
 * @param dir - the bundle directory to write
 * @returns the bundle directory
 */
export async function createDemoBundle(dir: string): Promise<string> {
  const checkpoint = writeLlama2cCheckpoint(DEMO_CONFIG, randomLlamaWeights(DEMO_CONFIG, 260));
  const result = await convertLlama2c({
    checkpoint, tokenizer: buildTestTokenizer(DEMO_CONFIG.vocabSize), out: dir, quantize: 'int8', name: 'demo-stories260K', licence: 'Apache-2.0',
  });
  return result.dir;
}
