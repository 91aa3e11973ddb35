import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { convertLlama2c } from '../src/index.js';
import { randomLlamaWeights } from '../src/models/llama/random-llama-weights.js';
import { writeLlama2cCheckpoint } from '../src/models/llama/write-llama2c-checkpoint.js';
import { Llama2cTokenizer } from '../src/tokenizers/llama2c-tokenizer.js';
import { buildTestTokenizer } from '../src/tokenizers/write-llama2c-tokenizer.js';
import { writeLlamaGguf } from './gguf/write-gguf.js';
import { BENCH_PROMPT, type BenchShape } from './shapes.js';

/** Files made for one shape, all from the same weights. */
export interface ShapeMaterials {
  checkpoint: string;
  tokenizer: string;
  bundles: { fp32: string; int8: string };
  gguf: { f32: string; q8_0: string };
  /** BOS followed by the encoded prompt. */
  promptTokens: number[];
  /** Bytes of each file, for the size table. */
  sizes: Record<string, number>;
}

/**
 * Write the checkpoint, tokenizer, fp32 and int8 bundles and GGUF files for a
 * shape into `dir`. Deterministic: the same seed gives the same files.
 */
export async function prepareShape(shape: BenchShape, dir: string): Promise<ShapeMaterials> {
  await mkdir(dir, { recursive: true });
  const weights = randomLlamaWeights(shape.config, shape.seed);
  const checkpointBytes = writeLlama2cCheckpoint(shape.config, weights);
  const tokenizerBytes = buildTestTokenizer(shape.config.vocabSize);
  const checkpoint = join(dir, 'model.bin');
  const tokenizer = join(dir, 'tokenizer.bin');
  await writeFile(checkpoint, checkpointBytes);
  await writeFile(tokenizer, tokenizerBytes);

  const sizes: Record<string, number> = { 'llama2.c checkpoint': checkpointBytes.byteLength };
  const bundles = { fp32: join(dir, 'bundle-fp32'), int8: join(dir, 'bundle-int8') };
  for (const [key, quantize] of [['fp32', 'none'], ['int8', 'int8']] as const) {
    const result = await convertLlama2c({ checkpoint: checkpointBytes, tokenizer: tokenizerBytes, out: bundles[key], quantize, name: `${shape.id}-${key}` });
    sizes[`tinyedge ${key} model.tflite`] = result.modelBytes;
    sizes[`tinyedge ${key} bundle (all files)`] = Object.values(result.manifest.files).reduce((n, f) => n + f.bytes, 0);
  }

  const tok = Llama2cTokenizer.fromBytes(tokenizerBytes, shape.config.vocabSize);
  const vocab = {
    pieces: Array.from({ length: tok.vocabSize }, (_, id) => tok.piece(id)),
    scores: Array.from({ length: tok.vocabSize }, (_, id) => tok.score(id)),
  };
  const gguf = { f32: join(dir, 'model-f32.gguf'), q8_0: join(dir, 'model-q8_0.gguf') };
  for (const weightType of ['f32', 'q8_0'] as const) {
    const bytes = writeLlamaGguf(shape.config, weights, vocab, { weightType, name: shape.id });
    await writeFile(gguf[weightType], bytes);
    sizes[`GGUF ${weightType}`] = bytes.byteLength;
  }
  return { checkpoint, tokenizer, bundles, gguf, promptTokens: tok.encode(BENCH_PROMPT, { bos: true }), sizes };
}
