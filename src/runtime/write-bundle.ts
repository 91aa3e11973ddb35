import { createHash } from 'node:crypto';
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TinyEdgeError, isTinyEdgeError } from '../errors.js';
import type { LlamaConfig } from '../models/llama/config.js';
import { BUNDLE_FORMAT_VERSION, parseBundleManifest } from './bundle-manifest.js';
import type { BundleManifest } from './bundle-manifest.js';
import type { TokenizerKind } from './tokenizer.js';

/** What {@link writeBundle} puts into a bundle. */
export interface WriteBundleOptions {
  /** Model name: letters, digits, `.`, `_`, `-`. */
  name: string;
  /** The model's version. Default `0.1.0`. */
  version?: string;
  /** Hyper-parameters the graph was built with. */
  config: LlamaConfig;
  /** How the weights in `model` are stored. */
  quantization: 'none' | 'int8';
  /** Tokens one sequence may hold. Default `config.seqLen`. */
  contextLength?: number;
  /** The `.tflite` bytes, written as `model.tflite`. */
  model: Uint8Array;
  /** The same model with a context of `rows` positions, written as `model-window.tflite` (see {@link BundleManifest.windowModel}). */
  windowModel?: {
    /** Its `.tflite` bytes. */
    bytes: Uint8Array;
    /** Positions its context holds. */
    rows: number;
  };
  /** The tokenizer file and its format; `file` defaults to `tokenizer.json` for `bpe`, `tokenizer.bin` otherwise. */
  tokenizer: {
    /** Its format. */
    kind: TokenizerKind;
    /** The file's bytes. */
    bytes: Uint8Array;
    /** File name inside the bundle. Default `tokenizer.json` for `bpe`, `tokenizer.bin` otherwise. */
    file?: string;
  };
  /** Licence of the weights, e.g. `MIT`. */
  licence: string;
  /** Optional free-text description. */
  description?: string;
}

/**
 * Write a model bundle: the model, the tokenizer and a `manifest.json` with
 * the SHA-256 of each. The manifest is written last, through a rename, so a
 * reader never sees a manifest describing files that are not there yet.
 *
 * @param dir - directory to write; created if missing. An existing bundle is
 *   overwritten; any other non-empty directory is refused.
 * @returns the manifest written
 * @throws RangeError when an option is invalid (the message names it)
 * @throws TinyEdgeError `E_IO` when `dir` is a non-empty directory that is not a bundle or cannot be written
 * @example
 * ```ts
 * await writeBundle('./bundles/tiny', {
 *   name: 'tiny', config, quantization: 'int8', model: tfliteBytes,
 *   tokenizer: { kind: 'llama2c', bytes: tokenizerBytes }, licence: 'MIT',
 * });
 * ```
 */
export async function writeBundle(dir: string, options: WriteBundleOptions): Promise<BundleManifest> {
  if (typeof dir !== 'string' || dir === '') throw new TypeError('writeBundle: dir must be a non-empty path');
  if (!(options.model instanceof Uint8Array)) throw new TypeError('writeBundle: options.model must be a Uint8Array');
  if (!(options.tokenizer?.bytes instanceof Uint8Array)) throw new TypeError('writeBundle: options.tokenizer.bytes must be a Uint8Array');
  const modelFile = 'model.tflite';
  const windowFile = 'model-window.tflite';
  if (options.windowModel !== undefined && !(options.windowModel.bytes instanceof Uint8Array)) {
    throw new TypeError('writeBundle: options.windowModel.bytes must be a Uint8Array');
  }
  const tokenizerFile = options.tokenizer.file ?? (options.tokenizer.kind === 'bpe' ? 'tokenizer.json' : 'tokenizer.bin');
  const manifest: BundleManifest = {
    formatVersion: BUNDLE_FORMAT_VERSION,
    name: options.name,
    version: options.version ?? '0.1.0',
    family: 'llama',
    hyperparameters: { ...options.config },
    quantization: options.quantization,
    contextLength: options.contextLength ?? options.config.seqLen,
    model: modelFile,
    ...(options.windowModel === undefined ? {} : { windowModel: { file: windowFile, rows: options.windowModel.rows } }),
    tokenizer: { file: tokenizerFile, kind: options.tokenizer.kind },
    licence: options.licence,
    ...(options.description === undefined ? {} : { description: options.description }),
    files: {
      [modelFile]: entry(options.model),
      [tokenizerFile]: entry(options.tokenizer.bytes),
      ...(options.windowModel === undefined ? {} : { [windowFile]: entry(options.windowModel.bytes) }),
    },
  };
  if (tokenizerFile === modelFile || tokenizerFile === windowFile) throw new RangeError(`writeBundle: tokenizer.file must differ from ${modelFile} and ${windowFile}`);
  try {
    parseBundleManifest(JSON.parse(JSON.stringify(manifest)), 'writeBundle options');
  } catch (err) {
    if (isTinyEdgeError(err, 'E_BUNDLE_MANIFEST')) throw new RangeError(err.message);
    throw err;
  }

  try {
    await mkdir(dir, { recursive: true });
    const existing = await readdir(dir);
    if (existing.length > 0 && !existing.includes('manifest.json')) {
      throw new TinyEdgeError(
        'E_IO',
        `refusing to write a bundle into ${dir}: it holds ${existing.length} entries and no manifest.json`,
        'Pass an empty or new directory (or an existing bundle to overwrite).',
      );
    }
    await writeFile(join(dir, modelFile), options.model);
    if (options.windowModel) await writeFile(join(dir, windowFile), options.windowModel.bytes);
    await writeFile(join(dir, tokenizerFile), options.tokenizer.bytes);
    const tmp = join(dir, `.manifest.json.${process.pid}.tmp`);
    await writeFile(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
    await rename(tmp, join(dir, 'manifest.json'));
  } catch (err) {
    if (err instanceof TinyEdgeError) throw err;
    throw new TinyEdgeError('E_IO', `could not write the bundle in ${dir}: ${(err as Error).message}`, 'Check that the directory is writable and the disk has space.', { cause: err });
  }
  return manifest;
}

function entry(bytes: Uint8Array): { sha256: string; bytes: number } {
  return { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.byteLength };
}
