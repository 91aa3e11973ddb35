import { llamaDims, validateLlamaConfig } from '../../src/models/llama/config.js';
import type { LlamaConfig, LlamaWeights } from '../../src/models/llama/config.js';

/** Tensor encodings {@link writeLlamaGguf} can write. */
export type GgufWeightType = 'f32' | 'q8_0';

/** The vocabulary written into the GGUF file, in llama2.c's `tokenizer.bin` terms. */
export interface GgufVocab {
  /** One piece per token id: UTF-8 bytes or text, byte-fallback pieces spelled `<0xNN>`. */
  pieces: Uint8Array[] | string[];
  /** One merge score per token id. */
  scores: number[];
}

/** Options of {@link writeLlamaGguf}. */
export interface WriteGgufOptions {
  /**
   * Encoding of the matrices. Default `'f32'`. `'q8_0'` is llama.cpp's 8-bit
   * block format (32 weights per fp16 scale); a matrix whose rows are not a
   * multiple of 32 long stays f32, and norm vectors are always f32.
   */
  weightType?: GgufWeightType;
  /** `general.name`. Default `'tinyedge-llama'`. */
  name?: string;
}

// GGUF metadata value types and ggml tensor types, as the GGUF spec numbers them.
const GGUF_U32 = 4;
const GGUF_I32 = 5;
const GGUF_F32 = 6;
const GGUF_STRING = 8;
const GGUF_ARRAY = 9;
const GGML_F32 = 0;
const GGML_Q8_0 = 8;
const ALIGNMENT = 32;
const Q8_BLOCK = 32;
const Q8_BLOCK_BYTES = 2 + Q8_BLOCK;
// llama.cpp token types
const TOKEN_NORMAL = 1;
const TOKEN_UNKNOWN = 2;
const TOKEN_CONTROL = 3;
const TOKEN_BYTE = 6;

type MetaValue =
  | { type: 'u32'; value: number }
  | { type: 'f32'; value: number }
  | { type: 'string'; value: string | Uint8Array }
  | { type: 'strings'; value: Uint8Array[] }
  | { type: 'f32s'; value: readonly number[] }
  | { type: 'i32s'; value: readonly number[] };

interface TensorEntry {
  name: string;
  /** Row-major shape, outermost first; GGUF stores it reversed. */
  shape: number[];
  data: Float32Array;
  type: number;
}

const utf8 = new TextEncoder();

/**
 * Write a llama-family model as a GGUF v3 file that llama.cpp (and so
 * node-llama-cpp) loads as architecture `llama`: the benchmark peer runs the
 * very weights our TFLite runtime runs.
 *
 * Matrices go in unchanged: our `[out, in]` row-major layout is ggml's
 * `ne = [in, out]`, and llama2.c's RoPE on adjacent pairs is llama.cpp's
 * normal (non-NeoX) RoPE for this architecture, so q and k need no
 * permutation (llama.cpp's own llama2.c converter copies them as they are).
 * With a shared classifier no `output.weight` is written and llama.cpp ties
 * it to `token_embd.weight`. Token 0 is written as `<unk>`, 1 as `<s>` and 2 as
 * `</s>`; `<0xNN>` pieces are byte tokens; spaces become U+2581 as
 * sentencepiece spells them.
 *
 * @param config - hyper-parameters; validated
 * @param weights - float32 weights matching `config`
 * @param vocab - `vocabSize` pieces and scores
 * @param options - weight encoding and model name
 * @returns the file's bytes
 * @throws RangeError when the config is invalid or a weight or the vocabulary has the wrong length
 *
 * @example
 * ```ts
 * const gguf = writeLlamaGguf(config, randomLlamaWeights(config, 1), { pieces, scores });
 * await writeFile('model.gguf', gguf);
 * ```
 */
export function writeLlamaGguf(config: LlamaConfig, weights: LlamaWeights, vocab: GgufVocab, options: WriteGgufOptions = {}): Uint8Array {
  validateLlamaConfig(config);
  const weightType = options.weightType ?? 'f32';
  if (weightType !== 'f32' && weightType !== 'q8_0') {
    throw new RangeError(`weightType must be 'f32' or 'q8_0', found ${String(weightType)}`);
  }
  const { dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize, seqLen } = config;
  const { headSize, kvDim } = llamaDims(config);
  if (vocab.pieces.length !== vocabSize || vocab.scores.length !== vocabSize) {
    throw new RangeError(`vocab must have ${vocabSize} pieces and scores, found ${vocab.pieces.length} and ${vocab.scores.length}`);
  }
  if (weights.layers.length !== nLayers) throw new RangeError(`weights must have ${nLayers} layers, found ${weights.layers.length}`);

  const matrixType = (cols: number): number => (weightType === 'q8_0' && cols % Q8_BLOCK === 0 ? GGML_Q8_0 : GGML_F32);
  const tensors: TensorEntry[] = [];
  const add = (name: string, shape: number[], data: Float32Array, type = GGML_F32): void => {
    const n = shape.reduce((a, b) => a * b, 1);
    if (data.length !== n) throw new RangeError(`${name} must have ${n} values ([${shape.join(', ')}]), found ${data.length}`);
    tensors.push({ name, shape, data, type });
  };
  const addMatrix = (name: string, rows: number, cols: number, data: Float32Array): void =>
    add(name, [rows, cols], data, matrixType(cols));

  addMatrix('token_embd.weight', vocabSize, dim, weights.tokenEmbedding);
  for (const [l, w] of weights.layers.entries()) {
    add(`blk.${l}.attn_norm.weight`, [dim], w.attnNorm);
    addMatrix(`blk.${l}.attn_q.weight`, dim, dim, w.wq);
    addMatrix(`blk.${l}.attn_k.weight`, kvDim, dim, w.wk);
    addMatrix(`blk.${l}.attn_v.weight`, kvDim, dim, w.wv);
    addMatrix(`blk.${l}.attn_output.weight`, dim, dim, w.wo);
    add(`blk.${l}.ffn_norm.weight`, [dim], w.ffnNorm);
    addMatrix(`blk.${l}.ffn_gate.weight`, hiddenDim, dim, w.w1);
    addMatrix(`blk.${l}.ffn_down.weight`, dim, hiddenDim, w.w2);
    addMatrix(`blk.${l}.ffn_up.weight`, hiddenDim, dim, w.w3);
  }
  add('output_norm.weight', [dim], weights.finalNorm);
  if (!config.sharedClassifier) {
    if (weights.classifier === null) throw new RangeError('weights.classifier is null but config.sharedClassifier is false');
    addMatrix('output.weight', vocabSize, dim, weights.classifier);
  }

  const tokens = vocab.pieces.map((piece, id) => tokenText(piece, id));
  const tokenTypes = vocab.pieces.map((piece, id) => tokenType(piece, id));
  const meta: [string, MetaValue][] = [
    ['general.architecture', { type: 'string', value: 'llama' }],
    ['general.name', { type: 'string', value: options.name ?? 'tinyedge-llama' }],
    ['general.alignment', { type: 'u32', value: ALIGNMENT }],
    // llama_ftype: 0 = all f32, 7 = mostly q8_0
    ['general.file_type', { type: 'u32', value: weightType === 'q8_0' ? 7 : 0 }],
    ['llama.context_length', { type: 'u32', value: seqLen }],
    ['llama.embedding_length', { type: 'u32', value: dim }],
    ['llama.block_count', { type: 'u32', value: nLayers }],
    ['llama.feed_forward_length', { type: 'u32', value: hiddenDim }],
    ['llama.attention.head_count', { type: 'u32', value: nHeads }],
    ['llama.attention.head_count_kv', { type: 'u32', value: nKvHeads }],
    ['llama.rope.dimension_count', { type: 'u32', value: headSize }],
    ['llama.attention.layer_norm_rms_epsilon', { type: 'f32', value: config.normEps ?? 1e-5 }],
    ['llama.rope.freq_base', { type: 'f32', value: config.ropeTheta ?? 10000 }],
    ['llama.vocab_size', { type: 'u32', value: vocabSize }],
    ['tokenizer.ggml.model', { type: 'string', value: 'llama' }],
    ['tokenizer.ggml.tokens', { type: 'strings', value: tokens }],
    ['tokenizer.ggml.scores', { type: 'f32s', value: vocab.scores }],
    ['tokenizer.ggml.token_type', { type: 'i32s', value: tokenTypes }],
    ['tokenizer.ggml.unknown_token_id', { type: 'u32', value: 0 }],
    ['tokenizer.ggml.bos_token_id', { type: 'u32', value: 1 }],
    ['tokenizer.ggml.eos_token_id', { type: 'u32', value: 2 }],
  ];

  // Lay out the data section first: every tensor starts on an aligned offset.
  const dataOffsets: number[] = [];
  let dataSize = 0;
  for (const t of tensors) {
    dataSize = alignUp(dataSize);
    dataOffsets.push(dataSize);
    dataSize += tensorBytes(t);
  }
  let headerSize = 4 + 4 + 8 + 8;
  for (const [key, value] of meta) headerSize += stringBytes(key) + 4 + metaBytes(value);
  for (const t of tensors) headerSize += stringBytes(t.name) + 4 + 8 * t.shape.length + 4 + 8;
  const dataStart = alignUp(headerSize);

  const out = new Uint8Array(dataStart + alignUp(dataSize));
  const w = new Writer(out);
  w.bytes(utf8.encode('GGUF'));
  w.u32(3);
  w.u64(tensors.length);
  w.u64(meta.length);
  for (const [key, value] of meta) {
    w.string(key);
    w.meta(value);
  }
  for (const [i, t] of tensors.entries()) {
    w.string(t.name);
    w.u32(t.shape.length);
    for (let d = t.shape.length - 1; d >= 0; d--) w.u64(t.shape[d]!); // ne[0] is the innermost dimension
    w.u32(t.type);
    w.u64(dataOffsets[i]!);
  }
  for (const [i, t] of tensors.entries()) {
    const at = dataStart + dataOffsets[i]!;
    if (t.type === GGML_Q8_0) writeQ8_0(out, at, t.data);
    else new Float32Array(out.buffer, out.byteOffset + at, t.data.length).set(t.data);
  }
  return out;
}

function tokenText(piece: Uint8Array | string, id: number): Uint8Array {
  if (id === 0) return utf8.encode('<unk>');
  if (id === 1) return utf8.encode('<s>');
  if (id === 2) return utf8.encode('</s>');
  const bytes = typeof piece === 'string' ? utf8.encode(piece) : piece;
  // sentencepiece spells a space as U+2581 (e2 96 81 in UTF-8)
  const spaces = bytes.reduce((n, b) => n + (b === 0x20 ? 1 : 0), 0);
  if (spaces === 0) return bytes;
  const out = new Uint8Array(bytes.length + 2 * spaces);
  let j = 0;
  for (const b of bytes) {
    if (b === 0x20) {
      out[j++] = 0xe2;
      out[j++] = 0x96;
      out[j++] = 0x81;
    } else {
      out[j++] = b;
    }
  }
  return out;
}

function tokenType(piece: Uint8Array | string, id: number): number {
  if (id === 0) return TOKEN_UNKNOWN;
  if (id === 1 || id === 2) return TOKEN_CONTROL;
  const text = typeof piece === 'string' ? piece : new TextDecoder().decode(piece);
  if (text.length === 0) return TOKEN_CONTROL;
  return /^<0x[0-9A-Fa-f]{2}>$/.test(text) ? TOKEN_BYTE : TOKEN_NORMAL;
}

function alignUp(n: number): number {
  return Math.ceil(n / ALIGNMENT) * ALIGNMENT;
}

function stringBytes(s: string | Uint8Array): number {
  return 8 + (typeof s === 'string' ? utf8.encode(s).length : s.length);
}

function metaBytes(v: MetaValue): number {
  switch (v.type) {
    case 'u32':
    case 'f32':
      return 4;
    case 'string':
      return stringBytes(v.value);
    case 'strings':
      return 4 + 8 + v.value.reduce((n, s) => n + 8 + s.length, 0);
    case 'f32s':
    case 'i32s':
      return 4 + 8 + 4 * v.value.length;
  }
}

function tensorBytes(t: TensorEntry): number {
  return t.type === GGML_Q8_0 ? (t.data.length / Q8_BLOCK) * Q8_BLOCK_BYTES : 4 * t.data.length;
}

/**
 * Q8_0: each run of 32 weights becomes an fp16 scale `d = max|x| / 127`
 * followed by 32 int8 values `round(x / d)`.
 */
function writeQ8_0(out: Uint8Array, at: number, data: Float32Array): void {
  const view = new DataView(out.buffer, out.byteOffset);
  for (let b = 0; b < data.length / Q8_BLOCK; b++) {
    const base = b * Q8_BLOCK;
    let amax = 0;
    for (let i = 0; i < Q8_BLOCK; i++) amax = Math.max(amax, Math.abs(data[base + i]!));
    const d = amax / 127;
    const inv = d === 0 ? 0 : 1 / d;
    const o = at + b * Q8_BLOCK_BYTES;
    view.setUint16(o, float32ToFloat16Bits(d), true);
    for (let i = 0; i < Q8_BLOCK; i++) view.setInt8(o + 2 + i, Math.round(data[base + i]! * inv));
  }
}

const f32 = new Float32Array(1);
const f32Bits = new Uint32Array(f32.buffer);

/** IEEE half precision bits of `x`, rounded to nearest even (Node 20 has no Float16Array). */
function float32ToFloat16Bits(x: number): number {
  f32[0] = x;
  const bits = f32Bits[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    // subnormal half: shift the mantissa (with its implicit 1) into place
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rest > mid || (rest === mid && (half & 1) === 1) ? 1 : 0));
  }
  const half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // a carry out of the mantissa correctly bumps the exponent
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1) ? 1 : 0));
}

/** Little-endian sequential writer over a preallocated buffer. */
class Writer {
  readonly #out: Uint8Array;
  readonly #view: DataView;
  #at = 0;

  constructor(out: Uint8Array) {
    this.#out = out;
    this.#view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  }

  bytes(b: Uint8Array): void {
    this.#out.set(b, this.#at);
    this.#at += b.length;
  }

  u32(v: number): void {
    this.#view.setUint32(this.#at, v, true);
    this.#at += 4;
  }

  u64(v: number): void {
    this.#view.setBigUint64(this.#at, BigInt(v), true);
    this.#at += 8;
  }

  string(s: string | Uint8Array): void {
    const b = typeof s === 'string' ? utf8.encode(s) : s;
    this.u64(b.length);
    this.bytes(b);
  }

  meta(v: MetaValue): void {
    switch (v.type) {
      case 'u32':
        this.u32(GGUF_U32);
        this.u32(v.value);
        return;
      case 'f32':
        this.u32(GGUF_F32);
        this.#view.setFloat32(this.#at, v.value, true);
        this.#at += 4;
        return;
      case 'string':
        this.u32(GGUF_STRING);
        this.string(v.value);
        return;
      case 'strings':
        this.u32(GGUF_ARRAY);
        this.u32(GGUF_STRING);
        this.u64(v.value.length);
        for (const s of v.value) this.string(s);
        return;
      case 'f32s':
      case 'i32s':
        this.u32(GGUF_ARRAY);
        this.u32(v.type === 'f32s' ? GGUF_F32 : GGUF_I32);
        this.u64(v.value.length);
        for (const x of v.value) {
          if (v.type === 'f32s') this.#view.setFloat32(this.#at, x, true);
          else this.#view.setInt32(this.#at, x, true);
          this.#at += 4;
        }
        return;
    }
  }
}
