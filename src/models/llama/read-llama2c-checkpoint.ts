import { TinyEdgeError } from '../../errors.js';
import type { LlamaConfig, LlamaLayerWeights, LlamaWeights } from './config.js';

/** `"ak42"` read as a little-endian uint32: the magic of export.py's versioned formats. */
const MAGIC_AK42 = 0x616b3432;
const LEGACY_HEADER_BYTES = 28;
const VERSIONED_HEADER_BYTES = 256;

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// Far beyond any model that fits in a Uint8Array; they only keep the size
// arithmetic exact and turn a garbage header into a format error rather than
// a "truncated, expected 10^15 bytes" message.
const LIMITS = { dim: 1 << 16, hiddenDim: 1 << 20, nLayers: 4096, vocabSize: 1 << 24, seqLen: 1 << 24 } as const;

const REEXPORT_HINT =
  'Export the checkpoint in float32 with llama2.c: `python export.py model.bin --version 0 --checkpoint ckpt.pt` (version 1 is read too).';

interface Header {
  dim: number;
  hiddenDim: number;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  vocabSize: number;
  seqLen: number;
  shared: boolean;
}

/**
 * Read a llama2.c model checkpoint (`model.bin`) into a config and float32
 * weights.
 *
 * Two layouts are understood:
 * - the legacy format that llama2.c's `run.c` reads (`export.py --version 0`):
 *   seven int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size,
 *   seq_len; a negative vocab_size means a separate classifier), then the
 *   weights in run.c's order, including the unused RoPE tables, which are skipped;
 * - export.py's version 1 (magic `ak42`, a 256-byte header, float32).
 *
 * Version 2 (int8 Q8_0) is refused. The file length must match the header
 * exactly. Weights are views into `bytes` when its offset is 4-byte aligned
 * (no copy: changing `bytes` afterwards changes the weights); otherwise the
 * floats are copied once into an aligned buffer. The returned config leaves
 * `normEps` and `ropeTheta` unset: llama2.c always uses the defaults.
 *
 * @param bytes - the whole checkpoint file
 * @returns the hyper-parameters and the weights (`classifier` is `null` when shared)
 * @throws TinyEdgeError `E_CHECKPOINT_TRUNCATED` when the file is shorter than its
 *   header requires (the message gives both byte counts); `E_CHECKPOINT_FORMAT` for an
 *   implausible header, an unsupported export version or bytes after the weights
 * @throws TypeError when `bytes` is not a Uint8Array
 *
 * @example
 * ```ts
 * const { config, weights } = readLlama2cCheckpoint(await readFile('stories15M.bin'));
 * console.log(config.dim, config.nLayers, config.sharedClassifier);
 * ```
 */
export function readLlama2cCheckpoint(bytes: Uint8Array): {
  /** Hyper-parameters from the header. */
  config: LlamaConfig;
  /** float32 weights, views into `bytes` when aligned. */
  weights: LlamaWeights;
} {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`readLlama2cCheckpoint expects a Uint8Array, found ${describe(bytes)}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const versioned = bytes.byteLength >= 4 && view.getUint32(0, true) === MAGIC_AK42;
  const headerBytes = versioned ? VERSIONED_HEADER_BYTES : LEGACY_HEADER_BYTES;
  if (bytes.byteLength < headerBytes && !(versioned && bytes.byteLength >= 8)) {
    throw truncated(`checkpoint is truncated: expected at least ${headerBytes} bytes of header, found ${bytes.byteLength}`);
  }

  let header: Header;
  if (versioned) {
    const version = view.getInt32(4, true);
    if (version !== 1) {
      const what = version === 2 ? 'version 2 (int8 Q8_0 quantized)' : `version ${version}`;
      throw new TinyEdgeError(
        'E_CHECKPOINT_FORMAT',
        `checkpoint is llama2.c export.py ${what}; only the legacy format (version 0) and float32 version 1 are supported`,
        REEXPORT_HINT,
      );
    }
    if (bytes.byteLength < headerBytes) {
      throw truncated(`checkpoint is truncated: expected at least ${headerBytes} bytes of header, found ${bytes.byteLength}`);
    }
    header = { ...readInts(view, 8), shared: bytes[36] !== 0 };
    checkHeader(header, header.vocabSize);
  } else {
    const ints = readInts(view, 0);
    header = { ...ints, vocabSize: Math.abs(ints.vocabSize), shared: ints.vocabSize > 0 };
    checkHeader(header, ints.vocabSize);
  }

  const segments = versioned ? versionedLayout(header) : legacyLayout(header);
  const floatCount = segments.reduce((sum, s) => sum + s.count, 0);
  const expected = headerBytes + floatCount * 4;
  if (bytes.byteLength < expected) {
    throw truncated(
      `checkpoint is truncated: its header (${describeHeader(header)}) needs ${expected} bytes, found ${bytes.byteLength}`,
    );
  }
  if (bytes.byteLength > expected) {
    const extra = bytes.byteLength - expected;
    const classifierBytes = header.vocabSize * header.dim * 4;
    const guess =
      header.shared && extra === classifierBytes
        ? '; the extra bytes are exactly one classifier, so vocab_size should probably be negative'
        : '';
    throw new TinyEdgeError(
      'E_CHECKPOINT_FORMAT',
      `checkpoint has ${extra} bytes after the weights: its header (${describeHeader(header)}) needs exactly ${expected} bytes, found ${bytes.byteLength}${guess}`,
      `The header does not describe this file: it is corrupt or from another exporter. ${REEXPORT_HINT}`,
    );
  }

  const floats = floatsOf(bytes, headerBytes, floatCount);
  const tensors = new Map<string, Float32Array>();
  let offset = 0;
  for (const s of segments) {
    tensors.set(s.name, floats.subarray(offset, offset + s.count));
    offset += s.count;
  }
  return { config: configOf(header), weights: weightsOf(header, tensors) };
}

function readInts(view: DataView, at: number): Omit<Header, 'shared'> {
  const i = (k: number): number => view.getInt32(at + 4 * k, true);
  return { dim: i(0), hiddenDim: i(1), nLayers: i(2), nHeads: i(3), nKvHeads: i(4), vocabSize: i(5), seqLen: i(6) };
}

function checkHeader(h: Header, rawVocab: number): void {
  const problem = headerProblem(h, rawVocab);
  if (problem !== null) {
    throw new TinyEdgeError(
      'E_CHECKPOINT_FORMAT',
      `not a plausible llama2.c checkpoint header: ${problem} (read dim=${h.dim}, hidden_dim=${h.hiddenDim}, n_layers=${h.nLayers}, n_heads=${h.nHeads}, n_kv_heads=${h.nKvHeads}, vocab_size=${rawVocab}, seq_len=${h.seqLen})`,
      `The file is corrupt or not a llama2.c checkpoint. ${REEXPORT_HINT}`,
    );
  }
}

function headerProblem(h: Header, rawVocab: number): string | null {
  const fields = [
    ['dim', h.dim, LIMITS.dim],
    ['hidden_dim', h.hiddenDim, LIMITS.hiddenDim],
    ['n_layers', h.nLayers, LIMITS.nLayers],
    ['n_heads', h.nHeads, LIMITS.dim],
    ['n_kv_heads', h.nKvHeads, LIMITS.dim],
    ['vocab_size', h.vocabSize, LIMITS.vocabSize],
    ['seq_len', h.seqLen, LIMITS.seqLen],
  ] as const;
  for (const [name, value, limit] of fields) {
    if (value <= 0 || value > limit) {
      const shown = name === 'vocab_size' ? rawVocab : value;
      return `expected ${name} between 1 and ${limit}${name === 'vocab_size' ? ' in magnitude' : ''}, found ${shown}`;
    }
  }
  if (h.dim % h.nHeads !== 0) return `expected n_heads (${h.nHeads}) to divide dim (${h.dim})`;
  if (h.nHeads % h.nKvHeads !== 0) return `expected n_kv_heads (${h.nKvHeads}) to divide n_heads (${h.nHeads})`;
  if ((h.dim / h.nHeads) % 2 !== 0) return `expected an even head size for RoPE, found ${h.dim / h.nHeads}`;
  return null;
}

interface Segment {
  name: string;
  count: number;
}

/** run.c's `memory_map_weights` order: each tensor kind for all layers, then the next kind. */
function legacyLayout(h: Header): Segment[] {
  const headSize = h.dim / h.nHeads;
  const ropeTable = (h.seqLen * headSize) / 2;
  return [
    { name: 'tokenEmbedding', count: h.vocabSize * h.dim },
    ...perLayer(h, 'attnNorm', h.dim),
    ...perLayer(h, 'wq', h.dim * h.dim),
    ...perLayer(h, 'wk', kvDim(h) * h.dim),
    ...perLayer(h, 'wv', kvDim(h) * h.dim),
    ...perLayer(h, 'wo', h.dim * h.dim),
    ...perLayer(h, 'ffnNorm', h.dim),
    ...perLayer(h, 'w1', h.hiddenDim * h.dim),
    ...perLayer(h, 'w2', h.dim * h.hiddenDim),
    ...perLayer(h, 'w3', h.hiddenDim * h.dim),
    { name: 'finalNorm', count: h.dim },
    { name: 'freqCisReal', count: ropeTable },
    { name: 'freqCisImag', count: ropeTable },
    ...(h.shared ? [] : [{ name: 'classifier', count: h.vocabSize * h.dim }]),
  ];
}

/** export.py version 1: the norms first, then the matrices, no RoPE tables. */
function versionedLayout(h: Header): Segment[] {
  return [
    ...perLayer(h, 'attnNorm', h.dim),
    ...perLayer(h, 'ffnNorm', h.dim),
    { name: 'finalNorm', count: h.dim },
    { name: 'tokenEmbedding', count: h.vocabSize * h.dim },
    ...perLayer(h, 'wq', h.dim * h.dim),
    ...perLayer(h, 'wk', kvDim(h) * h.dim),
    ...perLayer(h, 'wv', kvDim(h) * h.dim),
    ...perLayer(h, 'wo', h.dim * h.dim),
    ...perLayer(h, 'w1', h.hiddenDim * h.dim),
    ...perLayer(h, 'w2', h.dim * h.hiddenDim),
    ...perLayer(h, 'w3', h.hiddenDim * h.dim),
    ...(h.shared ? [] : [{ name: 'classifier', count: h.vocabSize * h.dim }]),
  ];
}

function perLayer(h: Header, name: string, count: number): Segment[] {
  return Array.from({ length: h.nLayers }, (_, l) => ({ name: `${name}.${l}`, count }));
}

function kvDim(h: Header): number {
  return (h.dim / h.nHeads) * h.nKvHeads;
}

/** The float region as one Float32Array, a view when alignment and byte order allow it. */
function floatsOf(bytes: Uint8Array, headerBytes: number, count: number): Float32Array {
  const start = bytes.byteOffset + headerBytes;
  if (LITTLE_ENDIAN_HOST && start % 4 === 0) return new Float32Array(bytes.buffer, start, count);
  if (LITTLE_ENDIAN_HOST) {
    const copy = new Uint8Array(count * 4);
    copy.set(bytes.subarray(headerBytes, headerBytes + count * 4));
    return new Float32Array(copy.buffer);
  }
  const view = new DataView(bytes.buffer, start, count * 4);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

function configOf(h: Header): LlamaConfig {
  return {
    dim: h.dim,
    hiddenDim: h.hiddenDim,
    nLayers: h.nLayers,
    nHeads: h.nHeads,
    nKvHeads: h.nKvHeads,
    vocabSize: h.vocabSize,
    seqLen: h.seqLen,
    sharedClassifier: h.shared,
  };
}

function weightsOf(h: Header, t: Map<string, Float32Array>): LlamaWeights {
  const get = (name: string): Float32Array => {
    const tensor = t.get(name);
    if (tensor === undefined) throw new Error(`internal: checkpoint layout lacks ${name}`);
    return tensor;
  };
  const layers: LlamaLayerWeights[] = [];
  for (let l = 0; l < h.nLayers; l++) {
    layers.push({
      attnNorm: get(`attnNorm.${l}`),
      wq: get(`wq.${l}`),
      wk: get(`wk.${l}`),
      wv: get(`wv.${l}`),
      wo: get(`wo.${l}`),
      ffnNorm: get(`ffnNorm.${l}`),
      w1: get(`w1.${l}`),
      w2: get(`w2.${l}`),
      w3: get(`w3.${l}`),
    });
  }
  return {
    tokenEmbedding: get('tokenEmbedding'),
    layers,
    finalNorm: get('finalNorm'),
    classifier: h.shared ? null : get('classifier'),
  };
}

function describeHeader(h: Header): string {
  return `dim=${h.dim}, hidden_dim=${h.hiddenDim}, n_layers=${h.nLayers}, n_heads=${h.nHeads}, n_kv_heads=${h.nKvHeads}, vocab_size=${h.vocabSize} (${h.shared ? 'shared' : 'separate'} classifier), seq_len=${h.seqLen}`;
}

function truncated(message: string): TinyEdgeError {
  return new TinyEdgeError(
    'E_CHECKPOINT_TRUNCATED',
    message,
    'The file was cut short, perhaps by an interrupted download or copy; fetch or export it again.',
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return typeof value;
}
