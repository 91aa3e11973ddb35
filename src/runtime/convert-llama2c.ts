import { basename, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildLlamaModels } from '../models/llama/build-llama-tflite.js';
import { readLlama2cCheckpoint } from '../models/llama/read-llama2c-checkpoint.js';
import { Llama2cTokenizer } from '../tokenizers/llama2c-tokenizer.js';
import type { BundleManifest } from './bundle-manifest.js';
import { writeBundle } from './write-bundle.js';

/** Options of {@link convertLlama2c}. */
export interface ConvertLlama2cOptions {
  /** The llama2.c checkpoint file (`.bin`, legacy or version-1 export). */
  checkpoint: Uint8Array;
  /** Its `tokenizer.bin`. */
  tokenizer: Uint8Array;
  /** Bundle directory to write. */
  out: string;
  /** Weight storage. Default `int8` (per-channel, about a quarter of the fp32 size). */
  quantize?: 'none' | 'int8';
  /** Bundle name. Default: the name of the `out` directory. */
  name?: string;
  /** Bundle version. Default `0.1.0`. */
  version?: string;
  /** Licence of the weights. Default `unspecified`. */
  licence?: string;
  /** Tokens a sequence may hold. Default: the checkpoint's `seq_len`. */
  contextLength?: number;
  /** Called as each stage starts: `read`, `build`, `write`. */
  onProgress?: (stage: 'read' | 'build' | 'write') => void;
}

/** What {@link convertLlama2c} produced. */
export interface ConvertLlama2cResult {
  /** The bundle directory, absolute. */
  dir: string;
  /** The manifest written. */
  manifest: BundleManifest;
  /** Number of weights in the checkpoint. */
  parameters: number;
  /** Size of `model.tflite`, bytes. */
  modelBytes: number;
  /** Wall time of the conversion, ms. */
  ms: number;
}

/**
 * Convert a llama2.c checkpoint and its tokenizer into a model bundle:
 * parse both (the tokenizer must have the checkpoint's vocabulary size),
 * build the decode-step TFLite graph, write the bundle with its hashes.
 *
 * @param options - see {@link ConvertLlama2cOptions}
 * @returns the bundle's location, manifest and sizes
 * @throws TinyEdgeError `E_CHECKPOINT_FORMAT` / `E_CHECKPOINT_TRUNCATED` for a bad checkpoint,
 *   `E_TOKENIZER_FORMAT` / `E_TOKENIZER_MISMATCH` for a bad or mismatched tokenizer, `E_IO` when writing fails
 * @throws RangeError when an option is invalid
 * @example
 * ```ts
 * await convertLlama2c({
 *   checkpoint: await readFile('stories260K.bin'), tokenizer: await readFile('tok512.bin'),
 *   out: './bundles/stories260k', licence: 'MIT',
 * });
 * ```
 */
export async function convertLlama2c(options: ConvertLlama2cOptions): Promise<ConvertLlama2cResult> {
  const t0 = performance.now();
  const quantize = options.quantize ?? 'int8';
  if (quantize !== 'none' && quantize !== 'int8') throw new RangeError(`quantize must be 'none' or 'int8', found ${String(quantize)}`);
  options.onProgress?.('read');
  const { config, weights } = readLlama2cCheckpoint(options.checkpoint);
  // Parsing proves the tokenizer is well formed and matches the vocabulary before anything is built.
  Llama2cTokenizer.fromBytes(options.tokenizer, config.vocabSize);
  options.onProgress?.('build');
  const { model, windowModel } = buildLlamaModels(config, weights, quantize);
  options.onProgress?.('write');
  const dir = resolve(options.out);
  const manifest = await writeBundle(dir, {
    name: options.name ?? (basename(dir).replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'model'),
    ...(options.version === undefined ? {} : { version: options.version }),
    config,
    quantization: quantize,
    ...(options.contextLength === undefined ? {} : { contextLength: options.contextLength }),
    model,
    ...(windowModel === undefined ? {} : { windowModel }),
    tokenizer: { kind: 'llama2c', bytes: options.tokenizer },
    licence: options.licence ?? 'unspecified',
    description: 'converted from a llama2.c checkpoint by tinyedge',
  });
  let parameters = weights.tokenEmbedding.length + weights.finalNorm.length + (weights.classifier?.length ?? 0);
  for (const layer of weights.layers) for (const w of Object.values(layer)) parameters += (w as Float32Array).length;
  return { dir, manifest, parameters, modelBytes: model.byteLength, ms: performance.now() - t0 };
}
