import { describe, expect, it } from 'vitest';
import { TinyEdgeError, isTinyEdgeError } from '../src/errors.js';
import type { LlamaConfig, LlamaWeights } from '../src/models/llama/config.js';
import { randomLlamaWeights } from '../src/models/llama/random-llama-weights.js';
import { readLlama2cCheckpoint } from '../src/models/llama/read-llama2c-checkpoint.js';
import { writeLlama2cCheckpoint } from '../src/models/llama/write-llama2c-checkpoint.js';

const SHARED: LlamaConfig = { dim: 16, hiddenDim: 40, nLayers: 2, nHeads: 4, nKvHeads: 4, vocabSize: 37, seqLen: 8, sharedClassifier: true };
const SEPARATE: LlamaConfig = { dim: 24, hiddenDim: 56, nLayers: 3, nHeads: 6, nKvHeads: 6, vocabSize: 50, seqLen: 12, sharedClassifier: false };
const GQA: LlamaConfig = { dim: 32, hiddenDim: 64, nLayers: 2, nHeads: 8, nKvHeads: 2, vocabSize: 29, seqLen: 10, sharedClassifier: false };
const MQA: LlamaConfig = { dim: 16, hiddenDim: 24, nLayers: 1, nHeads: 4, nKvHeads: 1, vocabSize: 11, seqLen: 6, sharedClassifier: true };
const SHAPES = { SHARED, SEPARATE, GQA, MQA };

/** Every tensor of a weights set in run.c's order, for comparisons. */
function tensorsOf(w: LlamaWeights): Float32Array[] {
  const per = (k: keyof LlamaWeights['layers'][number]): Float32Array[] => w.layers.map((l) => l[k]);
  return [
    w.tokenEmbedding,
    ...per('attnNorm'), ...per('wq'), ...per('wk'), ...per('wv'), ...per('wo'),
    ...per('ffnNorm'), ...per('w1'), ...per('w2'), ...per('w3'),
    w.finalNorm,
    ...(w.classifier ? [w.classifier] : []),
  ];
}

function expectSameWeights(a: LlamaWeights, b: LlamaWeights): void {
  expect(a.classifier === null).toBe(b.classifier === null);
  const ta = tensorsOf(a);
  const tb = tensorsOf(b);
  expect(ta.length).toBe(tb.length);
  ta.forEach((t, i) => expect(Buffer.compare(bytesOf(t), bytesOf(tb[i]!))).toBe(0));
}

function bytesOf(t: Float32Array): Buffer {
  return Buffer.from(t.buffer, t.byteOffset, t.byteLength);
}

function expectCode(fn: () => unknown, code: string): TinyEdgeError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TinyEdgeError);
    expect((err as TinyEdgeError).code).toBe(code);
    expect((err as TinyEdgeError).hint.length).toBeGreaterThan(0);
    return err as TinyEdgeError;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

/** export.py's version 1 layout, written independently of the reader. */
function writeVersion1(config: LlamaConfig, w: LlamaWeights, version = 1): Uint8Array {
  const tensors = [
    ...w.layers.map((l) => l.attnNorm), ...w.layers.map((l) => l.ffnNorm), w.finalNorm, w.tokenEmbedding,
    ...w.layers.map((l) => l.wq), ...w.layers.map((l) => l.wk), ...w.layers.map((l) => l.wv), ...w.layers.map((l) => l.wo),
    ...w.layers.map((l) => l.w1), ...w.layers.map((l) => l.w2), ...w.layers.map((l) => l.w3),
    ...(w.classifier ? [w.classifier] : []),
  ];
  const floats = tensors.reduce((n, t) => n + t.length, 0);
  const out = Buffer.alloc(256 + floats * 4);
  out.writeUInt32LE(0x616b3432, 0);
  out.writeInt32LE(version, 4);
  [config.dim, config.hiddenDim, config.nLayers, config.nHeads, config.nKvHeads, config.vocabSize, config.seqLen]
    .forEach((v, i) => out.writeInt32LE(v, 8 + 4 * i));
  out.writeUInt8(config.sharedClassifier ? 1 : 0, 36);
  let offset = 256;
  for (const t of tensors) for (const v of t) offset = out.writeFloatLE(v, offset);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

describe('readLlama2cCheckpoint / writeLlama2cCheckpoint', () => {
  for (const [name, config] of Object.entries(SHAPES)) {
    it(`round-trips the ${name} shape`, () => {
      const weights = randomLlamaWeights(config, 7);
      const bytes = writeLlama2cCheckpoint(config, weights);
      const back = readLlama2cCheckpoint(bytes);
      expect(back.config).toEqual(config);
      expectSameWeights(back.weights, weights);
      expect(Buffer.compare(Buffer.from(writeLlama2cCheckpoint(back.config, back.weights)), Buffer.from(bytes))).toBe(0);
    });
  }

  it("lays the file out as run.c's memory_map_weights expects", () => {
    const c = GQA;
    const w = randomLlamaWeights(c, 3);
    const bytes = Buffer.from(writeLlama2cCheckpoint(c, w));
    const headSize = c.dim / c.nHeads;
    const kvDim = headSize * c.nKvHeads;
    expect([0, 1, 2, 3, 4, 5, 6].map((i) => bytes.readInt32LE(4 * i))).toEqual([32, 64, 2, 8, 2, -29, 10]);
    const L = c.nLayers;
    const counts = {
      emb: c.vocabSize * c.dim, attnNorm: L * c.dim, wq: L * c.dim * c.dim, wk: L * kvDim * c.dim, wv: L * kvDim * c.dim,
      wo: L * c.dim * c.dim, ffnNorm: L * c.dim, w1: L * c.hiddenDim * c.dim, w2: L * c.dim * c.hiddenDim,
      w3: L * c.hiddenDim * c.dim, finalNorm: c.dim, freqReal: (c.seqLen * headSize) / 2, freqImag: (c.seqLen * headSize) / 2,
      cls: c.vocabSize * c.dim,
    };
    const start: Record<string, number> = {};
    let at = 28;
    for (const [k, n] of Object.entries(counts)) {
      start[k] = at;
      at += 4 * n;
    }
    expect(bytes.length).toBe(at);
    const f = (offset: number): number => bytes.readFloatLE(offset);
    // wk of layer 1, row 3, column 5
    expect(f(start.wk! + 4 * (kvDim * c.dim + 3 * c.dim + 5))).toBe(w.layers[1]!.wk[3 * c.dim + 5]);
    expect(f(start.w2! + 4 * (c.dim * c.hiddenDim + 7))).toBe(w.layers[1]!.w2[7]);
    expect(f(start.finalNorm! + 4 * 2)).toBe(w.finalNorm[2]);
    expect(f(start.cls! + 4 * 11)).toBe(w.classifier![11]);
    // RoPE tables as export.py wrote them: [seqLen, headSize/2]
    const pos = 3;
    const j = 1;
    const angle = pos * Math.pow(10000, (-2 * j) / headSize);
    expect(f(start.freqReal! + 4 * (pos * (headSize / 2) + j))).toBeCloseTo(Math.cos(angle), 6);
    expect(f(start.freqImag! + 4 * (pos * (headSize / 2) + j))).toBeCloseTo(Math.sin(angle), 6);
  });

  it('returns aligned views without copying, and copies unaligned input', () => {
    const bytes = writeLlama2cCheckpoint(SHARED, randomLlamaWeights(SHARED, 1));
    const direct = readLlama2cCheckpoint(bytes);
    expect(direct.weights.tokenEmbedding.buffer).toBe(bytes.buffer);

    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);
    const copied = readLlama2cCheckpoint(shifted);
    expect(copied.weights.tokenEmbedding.byteOffset % 4).toBe(0);
    expect(copied.weights.tokenEmbedding.buffer).not.toBe(shifted.buffer);
    expectSameWeights(copied.weights, direct.weights);
  });

  it('reads export.py version 1 files', () => {
    for (const config of [SHARED, GQA]) {
      const weights = randomLlamaWeights(config, 11);
      const back = readLlama2cCheckpoint(writeVersion1(config, weights));
      expect(back.config).toEqual(config);
      expectSameWeights(back.weights, weights);
    }
  });

  it('refuses version 2 (int8) and unknown versions with a hint to re-export', () => {
    const weights = randomLlamaWeights(SHARED, 1);
    const v2 = expectCode(() => readLlama2cCheckpoint(writeVersion1(SHARED, weights, 2)), 'E_CHECKPOINT_FORMAT');
    expect(v2.message).toMatch(/version 2.*int8/);
    expect(v2.hint).toContain('--version 0');
    expectCode(() => readLlama2cCheckpoint(writeVersion1(SHARED, weights, 7).subarray(0, 40)), 'E_CHECKPOINT_FORMAT');
  });

  it('reports truncation at every offset with the expected and found sizes', () => {
    const tiny: LlamaConfig = { dim: 8, hiddenDim: 8, nLayers: 1, nHeads: 2, nKvHeads: 1, vocabSize: 5, seqLen: 4, sharedClassifier: false };
    const bytes = writeLlama2cCheckpoint(tiny, randomLlamaWeights(tiny, 2));
    const codes = new Set<string>();
    for (let n = 0; n < bytes.length; n++) {
      try {
        readLlama2cCheckpoint(bytes.subarray(0, n));
        codes.add(`read ${n} bytes`);
      } catch (err) {
        codes.add(isTinyEdgeError(err) ? err.code : String(err));
      }
    }
    expect(codes).toEqual(new Set(['E_CHECKPOINT_TRUNCATED']));
    const err = expectCode(() => readLlama2cCheckpoint(bytes.subarray(0, 100)), 'E_CHECKPOINT_TRUNCATED');
    expect(err.message).toContain(`needs ${bytes.length} bytes, found 100`);
    const v1 = writeVersion1(MQA, randomLlamaWeights(MQA, 2));
    for (const n of [4, 8, 100, 255, 256, 300, v1.length - 1]) {
      expectCode(() => readLlama2cCheckpoint(v1.subarray(0, n)), 'E_CHECKPOINT_TRUNCATED');
    }
  });

  it('rejects bytes after the weights', () => {
    const bytes = writeLlama2cCheckpoint(SHARED, randomLlamaWeights(SHARED, 2));
    const longer = new Uint8Array(bytes.length + 3);
    longer.set(bytes);
    expect(expectCode(() => readLlama2cCheckpoint(longer), 'E_CHECKPOINT_FORMAT').message).toContain('3 bytes after the weights');
    // a separate classifier with the sign of vocab_size lost
    const sep = Buffer.from(writeLlama2cCheckpoint(SEPARATE, randomLlamaWeights(SEPARATE, 2)));
    sep.writeInt32LE(SEPARATE.vocabSize, 20);
    expect(expectCode(() => readLlama2cCheckpoint(sep), 'E_CHECKPOINT_FORMAT').message).toContain('vocab_size should probably be negative');
  });

  it('rejects implausible headers', () => {
    const good = Buffer.from(writeLlama2cCheckpoint(SHARED, randomLlamaWeights(SHARED, 2)));
    const cases: [number, number, RegExp][] = [
      [0, 0, /dim/],
      [0, -16, /dim/],
      [1, 0, /hidden_dim/],
      [2, 0, /n_layers/],
      [3, 5, /n_heads \(5\) to divide dim/],
      [4, 3, /n_kv_heads \(3\) to divide n_heads/],
      [4, 8, /n_kv_heads \(8\) to divide n_heads/],
      [5, 0, /vocab_size/],
      [6, -1, /seq_len/],
      [0, 0x7fffffff, /dim/],
      [5, -0x80000000, /vocab_size/],
    ];
    for (const [field, value, pattern] of cases) {
      const bad = Buffer.from(good);
      bad.writeInt32LE(value, 4 * field);
      expect(expectCode(() => readLlama2cCheckpoint(bad), 'E_CHECKPOINT_FORMAT').message).toMatch(pattern);
    }
    // odd head size: dim 12, 4 heads
    const odd = Buffer.from(good);
    odd.writeInt32LE(12, 0);
    expect(expectCode(() => readLlama2cCheckpoint(odd), 'E_CHECKPOINT_FORMAT').message).toMatch(/even head size/);
  });

  it('survives a few thousand mutated files with a TinyEdgeError or a result', () => {
    const bytes = writeLlama2cCheckpoint(MQA, randomLlamaWeights(MQA, 5));
    let state = 12345;
    const rand = (n: number): number => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) % n;
    };
    const codes = new Set<string>();
    for (let trial = 0; trial < 3000; trial++) {
      let mutated = Uint8Array.from(bytes);
      const flips = 1 + rand(4);
      for (let f = 0; f < flips; f++) {
        // mostly the header, where mutations change the meaning of everything after it
        const at = rand(3) === 0 ? rand(mutated.length) : rand(32);
        mutated[at] = rand(256);
      }
      if (rand(4) === 0) mutated = mutated.subarray(0, rand(mutated.length + 1));
      try {
        readLlama2cCheckpoint(mutated);
        codes.add('ok');
      } catch (err) {
        if (!isTinyEdgeError(err)) throw err;
        expect(['E_CHECKPOINT_FORMAT', 'E_CHECKPOINT_TRUNCATED']).toContain(err.code);
        codes.add(err.code);
      }
    }
    expect(codes).toEqual(new Set(['ok', 'E_CHECKPOINT_FORMAT', 'E_CHECKPOINT_TRUNCATED']));
  });

  it('rejects wrong arguments with TypeError and RangeError', () => {
    expect(() => readLlama2cCheckpoint('model.bin' as unknown as Uint8Array)).toThrow(TypeError);
    const weights = randomLlamaWeights(SHARED, 1);
    expect(() => writeLlama2cCheckpoint({ ...SHARED, dim: 18 }, weights)).toThrow(RangeError);
    expect(() => writeLlama2cCheckpoint({ ...SHARED, sharedClassifier: false }, weights)).toThrow(TypeError);
    const short = { ...weights, finalNorm: new Float32Array(3) };
    expect(() => writeLlama2cCheckpoint(SHARED, short)).toThrow(/finalNorm must hold 16 floats/);
    const withCls = { ...weights, classifier: new Float32Array(SHARED.vocabSize * SHARED.dim) };
    expect(() => writeLlama2cCheckpoint(SHARED, withCls)).toThrow(RangeError);
  });
});
