import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildLlamaModels } from '../models/llama/build-llama-tflite.js';
import type { LlamaConfig, LlamaWeights } from '../models/llama/config.js';
import { randomLlamaWeights } from '../models/llama/random-llama-weights.js';
import type { BundleManifest } from '../runtime/bundle-manifest.js';
import { writeBundle } from '../runtime/write-bundle.js';
import { buildTestTokenizer } from '../tokenizers/write-llama2c-tokenizer.js';

/** Options of {@link createTinyLlamaBundle}. */
export interface TinyLlamaBundleOptions {
  /** Directory to write. Default: a new directory under the OS temp dir. */
  dir?: string;
  /** Hyper-parameters. Default {@link TINY_LLAMA_CONFIG}. `vocabSize` must be at least 335 (the test tokenizer's minimum). */
  config?: LlamaConfig;
  /** Weight seed. Default 1. */
  seed?: number;
  /** Weight storage in the graph. Default `none` (fp32, so the graph matches the reference closely). */
  quantize?: 'none' | 'int8';
  /** Context length in the manifest. Default `config.seqLen`. */
  contextLength?: number;
  /** Bundle name. Default `tiny`. */
  name?: string;
  /** Positions of a short-context window model in the bundle; 0 for none. Default: what `tinyedge convert` would pick. */
  windowRows?: number;
}

/** A tiny bundle and what it was made from. */
export interface TinyLlamaBundle {
  /** The bundle directory. */
  dir: string;
  /** Its manifest. */
  manifest: BundleManifest;
  /** Hyper-parameters. */
  config: LlamaConfig;
  /** The float32 weights (for `FakeLlamaRunner` or `LlamaReference`). */
  weights: LlamaWeights;
  /** The `tokenizer.bin` bytes. */
  tokenizer: Uint8Array;
  /** The `.tflite` bytes. */
  model: Uint8Array;
}

/** 2 layers, dim 32, 4 query and 2 key/value heads, vocabulary 384, 64 positions: builds in milliseconds. */
export const TINY_LLAMA_CONFIG: LlamaConfig = Object.freeze({
  dim: 32, hiddenDim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, vocabSize: 384, seqLen: 64, sharedClassifier: true,
});

/**
 * Build a random-weights llama model, a matching llama2c test tokenizer and
 * the TFLite graph, and write them as a bundle, for tests of anything that
 * needs a model to load.
 *
 * @param options - see {@link TinyLlamaBundleOptions}
 * @returns where the bundle is and what is in it
 * @throws RangeError when the config is invalid
 * @example
 * ```ts
 * const tiny = await createTinyLlamaBundle({ seed: 3 });
 * const model = await loadModel(tiny.dir, { runner: { kind: 'fake-llama', weights: tiny.weights } });
 * ```
 */
export async function createTinyLlamaBundle(options: TinyLlamaBundleOptions = {}): Promise<TinyLlamaBundle> {
  const config = { ...(options.config ?? TINY_LLAMA_CONFIG) };
  const weights = randomLlamaWeights(config, options.seed ?? 1);
  const quantize = options.quantize ?? 'none';
  const { model, windowModel } = buildLlamaModels(config, weights, quantize, options.windowRows);
  const tokenizer = buildTestTokenizer(config.vocabSize);
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'tinyedge-bundle-')));
  const manifest = await writeBundle(dir, {
    name: options.name ?? 'tiny',
    config,
    quantization: quantize,
    ...(options.contextLength === undefined ? {} : { contextLength: options.contextLength }),
    model,
    ...(windowModel === undefined ? {} : { windowModel }),
    tokenizer: { kind: 'llama2c', bytes: tokenizer },
    licence: 'MIT',
    description: 'random weights, for tests',
  });
  return { dir, manifest, config, weights, tokenizer, model };
}
