import { TinyEdgeError } from '../errors.js';
import type { LlamaConfig } from '../models/llama/config.js';
import type { TokenizerKind } from './tokenizer.js';

/** The bundle layout version this runtime reads and writes. */
export const BUNDLE_FORMAT_VERSION = 1;

/** Size and digest of one file of a bundle. */
export interface BundleFileEntry {
  /** Lower-case hex SHA-256 of the file's bytes. */
  sha256: string;
  /** File size in bytes. */
  bytes: number;
}

/**
 * `manifest.json` of a model bundle: what the model is, how to run it, and a
 * digest of every other file so that loading can prove nothing was altered.
 *
 * @example
 * ```json
 * {
 *   "formatVersion": 1, "name": "stories260k", "version": "1.0.0", "family": "llama",
 *   "hyperparameters": { "dim": 64, "hiddenDim": 172, "nLayers": 5, "nHeads": 8, "nKvHeads": 4,
 *                        "vocabSize": 512, "seqLen": 512, "sharedClassifier": true },
 *   "quantization": "int8", "contextLength": 512,
 *   "model": "model.tflite", "tokenizer": { "file": "tokenizer.bin", "kind": "llama2c" },
 *   "licence": "MIT",
 *   "files": { "model.tflite": { "sha256": "…", "bytes": 420000 }, "tokenizer.bin": { "sha256": "…", "bytes": 6000 } }
 * }
 * ```
 */
export interface BundleManifest {
  /** Layout version, {@link BUNDLE_FORMAT_VERSION}. */
  formatVersion: typeof BUNDLE_FORMAT_VERSION;
  /** Model name: letters, digits, `.`, `_`, `-`. */
  name: string;
  /** The model's own version, e.g. `1.0.0`. */
  version: string;
  /** Model family; decides the graph contract. */
  family: 'llama';
  /** Hyper-parameters the graph was built with. */
  hyperparameters: LlamaConfig;
  /** How the weights are stored in `model`. */
  quantization: 'none' | 'int8';
  /** Tokens the runtime lets one sequence hold (prompt and output); at most `hyperparameters.seqLen`. */
  contextLength: number;
  /** File name of the `.tflite` graph inside the bundle. */
  model: string;
  /**
   * Optional: the same model built with a context of only `rows` positions,
   * which the runtime runs while a sequence is shorter than that (see
   * `WindowedDecoder`). Written by `tinyedge convert` where attending over
   * the whole context dominates a step.
   */
  windowModel?: {
    /** File name inside the bundle. */
    file: string;
    /** Positions it holds; fewer than `hyperparameters.seqLen`. */
    rows: number;
  };
  /** The tokenizer's file name inside the bundle and its format. */
  tokenizer: {
    /** File name inside the bundle. */
    file: string;
    /** Its format. */
    kind: TokenizerKind;
  };
  /** Licence of the weights, e.g. an SPDX id such as `MIT`. */
  licence: string;
  /** Optional free-text description. */
  description?: string;
  /** Every file of the bundle except `manifest.json`, by file name. */
  files: Record<string, BundleFileEntry>;
}

const TOP_LEVEL_KEYS = new Set([
  'formatVersion', 'name', 'version', 'family', 'hyperparameters', 'quantization', 'contextLength',
  'model', 'windowModel', 'tokenizer', 'licence', 'description', 'files',
]);
const HYPER_KEYS = new Set([
  'dim', 'hiddenDim', 'nLayers', 'nHeads', 'nKvHeads', 'vocabSize', 'seqLen', 'sharedClassifier', 'normEps', 'ropeTheta',
]);
const POSITIVE_HYPER = ['dim', 'hiddenDim', 'nLayers', 'nHeads', 'nKvHeads', 'vocabSize', 'seqLen'] as const;
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const SHA256_PATTERN = /^[0-9a-f]{64}$/;

/**
 * Check that parsed `manifest.json` content is a valid {@link BundleManifest}.
 *
 * @param value - the result of `JSON.parse` on the manifest
 * @param source - where it came from, for messages (e.g. the manifest's path)
 * @returns the same object, typed
 * @throws TinyEdgeError `E_BUNDLE_MANIFEST` naming the first field that is missing, unknown or wrong
 * @example
 * ```ts
 * const manifest = parseBundleManifest(JSON.parse(await readFile('bundle/manifest.json', 'utf8')));
 * ```
 */
export function parseBundleManifest(value: unknown, source = 'manifest.json'): BundleManifest {
  const fail = (field: string, expected: string, found: unknown): never => {
    throw new TinyEdgeError(
      'E_BUNDLE_MANIFEST',
      `${source}: field "${field}" must be ${expected}, found ${describe(found)}`,
      'Rebuild the bundle with `tinyedge convert`, or fix manifest.json by hand and update its hashes.',
    );
  };
  const m = asRecord(value) ?? fail('(root)', 'a JSON object', value);
  for (const key of Object.keys(m)) {
    if (!TOP_LEVEL_KEYS.has(key)) fail(key, 'absent (unknown field)', m[key]);
  }
  if (m.formatVersion !== BUNDLE_FORMAT_VERSION) fail('formatVersion', `${BUNDLE_FORMAT_VERSION}`, m.formatVersion);
  if (typeof m.name !== 'string' || !NAME_PATTERN.test(m.name)) fail('name', 'a name of letters, digits, ".", "_" or "-"', m.name);
  if (typeof m.version !== 'string' || m.version.trim() === '') fail('version', 'a non-empty string', m.version);
  if (m.family !== 'llama') fail('family', '"llama"', m.family);

  const h = asRecord(m.hyperparameters) ?? fail('hyperparameters', 'an object', m.hyperparameters);
  for (const key of Object.keys(h)) {
    if (!HYPER_KEYS.has(key)) fail(`hyperparameters.${key}`, 'absent (unknown field)', h[key]);
  }
  for (const key of POSITIVE_HYPER) {
    const v = h[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) fail(`hyperparameters.${key}`, 'a positive integer', v);
  }
  if (typeof h.sharedClassifier !== 'boolean') fail('hyperparameters.sharedClassifier', 'a boolean', h.sharedClassifier);
  for (const key of ['normEps', 'ropeTheta'] as const) {
    const v = h[key];
    if (v !== undefined && (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v))) {
      fail(`hyperparameters.${key}`, 'a positive number when present', v);
    }
  }
  const hp = h as unknown as LlamaConfig;
  if (hp.dim % hp.nHeads !== 0) fail('hyperparameters.nHeads', `a divisor of dim (${hp.dim})`, hp.nHeads);
  if (hp.nHeads % hp.nKvHeads !== 0) fail('hyperparameters.nKvHeads', `a divisor of nHeads (${hp.nHeads})`, hp.nKvHeads);
  if ((hp.dim / hp.nHeads) % 2 !== 0) fail('hyperparameters.nHeads', 'a value giving an even head size (dim / nHeads)', hp.nHeads);

  if (m.quantization !== 'none' && m.quantization !== 'int8') fail('quantization', '"none" or "int8"', m.quantization);
  const ctx = m.contextLength;
  if (typeof ctx !== 'number' || !Number.isSafeInteger(ctx) || ctx <= 0 || ctx > hp.seqLen) {
    fail('contextLength', `an integer in [1, ${hp.seqLen}] (hyperparameters.seqLen)`, ctx);
  }
  if (!isPlainFileName(m.model)) fail('model', 'a file name inside the bundle (no directories)', m.model);
  let windowFile: string | null = null;
  if (m.windowModel !== undefined) {
    const w = asRecord(m.windowModel) ?? fail('windowModel', 'an object { file, rows } when present', m.windowModel);
    for (const key of Object.keys(w)) {
      if (key !== 'file' && key !== 'rows') fail(`windowModel.${key}`, 'absent (unknown field)', w[key]);
    }
    if (!isPlainFileName(w.file) || w.file === m.model) fail('windowModel.file', 'a file name inside the bundle other than the model', w.file);
    if (typeof w.rows !== 'number' || !Number.isSafeInteger(w.rows) || w.rows < 1 || w.rows >= hp.seqLen) {
      fail('windowModel.rows', `an integer in [1, ${hp.seqLen - 1}] (below hyperparameters.seqLen)`, w.rows);
    }
    windowFile = w.file as string;
  }
  const tok = asRecord(m.tokenizer) ?? fail('tokenizer', 'an object { file, kind }', m.tokenizer);
  for (const key of Object.keys(tok)) {
    if (key !== 'file' && key !== 'kind') fail(`tokenizer.${key}`, 'absent (unknown field)', tok[key]);
  }
  if (!isPlainFileName(tok.file)) fail('tokenizer.file', 'a file name inside the bundle (no directories)', tok.file);
  if (tok.kind !== 'llama2c' && tok.kind !== 'bpe') fail('tokenizer.kind', '"llama2c" or "bpe"', tok.kind);
  if (typeof m.licence !== 'string' || m.licence.trim() === '') fail('licence', 'a non-empty string such as "MIT"', m.licence);
  if (m.description !== undefined && typeof m.description !== 'string') fail('description', 'a string when present', m.description);

  const files = asRecord(m.files) ?? fail('files', 'an object mapping file names to { sha256, bytes }', m.files);
  for (const [file, entry] of Object.entries(files)) {
    if (!isPlainFileName(file) || file === 'manifest.json') fail(`files["${file}"]`, 'a file name inside the bundle other than manifest.json', file);
    const e = asRecord(entry) ?? fail(`files["${file}"]`, 'an object { sha256, bytes }', entry);
    if (typeof e.sha256 !== 'string' || !SHA256_PATTERN.test(e.sha256)) fail(`files["${file}"].sha256`, '64 lower-case hex digits', e.sha256);
    if (typeof e.bytes !== 'number' || !Number.isSafeInteger(e.bytes) || e.bytes < 0) fail(`files["${file}"].bytes`, 'a byte count', e.bytes);
  }
  const model = m.model as string;
  const tokFile = tok.file as string;
  if (!(model in files)) fail(`files["${model}"]`, 'an entry for the model file', undefined);
  if (!(tokFile in files)) fail(`files["${tokFile}"]`, 'an entry for the tokenizer file', undefined);
  if (windowFile !== null && !(windowFile in files)) fail(`files["${windowFile}"]`, 'an entry for the window model file', undefined);
  return m as unknown as BundleManifest;
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** A bare file name: no separators, no `.`/`..`, so a manifest can never point outside its bundle. */
function isPlainFileName(v: unknown): v is string {
  return typeof v === 'string' && v !== '' && v !== '.' && v !== '..' && !/[/\\\0]/.test(v);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
