import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serializeAction } from '../../src/appliance/action.js';
import { buildLlamaModels } from '../../src/models/llama/build-llama-tflite.js';
import type { LlamaConfig } from '../../src/models/llama/config.js';
import { randomLlamaWeights } from '../../src/models/llama/random-llama-weights.js';
import { writeBundle } from '../../src/runtime/write-bundle.js';
import { BpeTokenizer } from '../../src/tokenizers/bpe-tokenizer.js';
import { generateCorpus } from '../../src/train/corpus/generate-corpus.js';

let tokenizer: BpeTokenizer | undefined;

/** A byte-level BPE tokenizer trained on a small slice of the appliance corpus (requests and actions), made once per process. */
export function applianceTestTokenizer(): BpeTokenizer {
  tokenizer ??= BpeTokenizer.train(
    generateCorpus({ seed: 3, size: 1500, split: 'train' }).map((e) => `${e.text}\n${serializeAction(e.action)}\n`),
    { vocabSize: 512 },
  );
  return tokenizer;
}

/**
 * An untrained appliance-shaped bundle: random llama weights (fp32) and the
 * BPE tokenizer above, for tests that must not depend on training.
 */
export async function createApplianceTestBundle(seed: number, seqLen = 192): Promise<{ dir: string; config: LlamaConfig }> {
  const tok = applianceTestTokenizer();
  const config: LlamaConfig = { dim: 48, hiddenDim: 96, nLayers: 2, nHeads: 4, nKvHeads: 2, vocabSize: tok.vocabSize, seqLen, sharedClassifier: true };
  const { model, windowModel } = buildLlamaModels(config, randomLlamaWeights(config, seed), 'none');
  const dir = await mkdtemp(join(tmpdir(), 'tinyedge-appliance-test-'));
  await writeBundle(dir, {
    name: `appliance-random-${seed}`, config, quantization: 'none', model,
    ...(windowModel === undefined ? {} : { windowModel }),
    tokenizer: { kind: 'bpe', bytes: tok.toBytes() }, licence: 'MIT', description: 'random weights, for tests',
  });
  return { dir, config };
}
