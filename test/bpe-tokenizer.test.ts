import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isTinyEdgeError } from '../src/errors.js';
import { buildLlamaModels } from '../src/models/llama/build-llama-tflite.js';
import { randomLlamaWeights } from '../src/models/llama/random-llama-weights.js';
import { parseBundleManifest } from '../src/runtime/bundle-manifest.js';
import { createTokenizer } from '../src/runtime/create-tokenizer.js';
import { loadModel } from '../src/runtime/load-model.js';
import { readBundle } from '../src/runtime/read-bundle.js';
import { writeBundle } from '../src/runtime/write-bundle.js';
import { serializeAction } from '../src/appliance/action.js';
import { generateCorpus } from '../src/train/corpus/generate-corpus.js';
import { CorpusRandom } from '../src/train/corpus/random.js';
import { BpeTokenizer } from '../src/tokenizers/bpe-tokenizer.js';

/** Training text in the format the appliance model learns: request, newline, canonical action, newline. */
const lines = generateCorpus({ seed: 11, size: 3000, split: 'train' }).map((e) => `${e.text}\n${serializeAction(e.action)}\n`);
let tok: BpeTokenizer;

beforeAll(() => {
  tok = BpeTokenizer.train(lines, { vocabSize: 600 });
});

/** Random text mixing ASCII, Latin-1, CJK, emoji (surrogate pairs), controls and JSON punctuation. */
function randomText(rng: CorpusRandom, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) {
    const kind = rng.int(0, 6);
    if (kind === 0) s += String.fromCodePoint(rng.int(0x20, 0x7e));
    else if (kind === 1) s += String.fromCodePoint(rng.int(0xa0, 0x17f));
    else if (kind === 2) s += String.fromCodePoint(rng.int(0x4e00, 0x9fff));
    else if (kind === 3) s += String.fromCodePoint(rng.int(0x1f300, 0x1faff));
    else if (kind === 4) s += String.fromCodePoint(rng.int(0, 0x1f));
    else if (kind === 5) s += rng.pick(['{"', '":"', '"}]}', ' ', '\n', "'", '.', '_']);
    else s += rng.pick(['milk', 'peanut butter', 'shopping.add', 'within_days', "what's", 'crème fraîche']);
  }
  return s;
}

describe('BpeTokenizer', () => {
  it('reaches the requested vocabulary with BOS 256, EOS 257 and merges after them', () => {
    expect(tok.vocabSize).toBe(600);
    expect([tok.bosId, tok.eosId]).toEqual([256, 257]);
    expect(tok.toJson().merges).toHaveLength(600 - 258);
    expect(tok.tokenBytes(256)).toBeNull();
    expect(tok.tokenBytes(65)).toEqual(Uint8Array.of(65));
  });

  it('round-trips arbitrary Unicode text exactly, with every id in the vocabulary', () => {
    const rng = new CorpusRandom(5);
    for (let n = 0; n < 300; n++) {
      const text = randomText(rng, rng.int(0, 40));
      const ids = tok.encode(text, { bos: true, eos: true });
      expect(ids[0]).toBe(256);
      expect(ids[ids.length - 1]).toBe(257);
      expect(ids.every((id) => Number.isInteger(id) && id >= 0 && id < tok.vocabSize)).toBe(true);
      expect(tok.decode(ids)).toBe(text);
    }
  });

  it('round-trips arbitrary bytes, including invalid UTF-8', () => {
    const rng = new CorpusRandom(9);
    for (let n = 0; n < 300; n++) {
      const bytes = Uint8Array.from({ length: rng.int(0, 64) }, () => rng.int(0, 255));
      const ids = tok.encodeBytes(bytes, { bos: false });
      expect(tok.decodeBytes(ids)).toEqual(bytes);
    }
  });

  it('compresses the corpus it was trained on and keeps JSON scaffolding and intents as few tokens', () => {
    const sample = lines.slice(0, 200).join('');
    const ids = tok.encode(sample, { bos: false });
    expect(new TextEncoder().encode(sample).length / ids.length).toBeGreaterThan(2);
    const action = '{"intent":"shopping.add","items":[{"name":"milk"}]}\n';
    expect(tok.encode(action, { bos: false }).length).toBeLessThanOrEqual(14);
  });

  it('encodes a name the same way in a request and inside an action', () => {
    for (const name of ['peanut butter', 'kohlrabi', 'minced beef', 'zzyzx']) {
      const inner = tok.encode(name, { bos: false });
      const inRequest = tok.encode(`please add ${name} to the list`, { bos: false });
      const inAction = tok.encode(`{"intent":"shopping.add","items":[{"name":"${name}"}]}`, { bos: false });
      const contains = (hay: number[]): boolean => hay.some((_, i) => inner.every((id, j) => hay[i + j] === id));
      expect(contains(inRequest), name).toBe(true);
      expect(contains(inAction), name).toBe(true);
    }
  });

  it('is deterministic: the same texts (in any order) give the same file', () => {
    const again = BpeTokenizer.train([...lines].reverse(), { vocabSize: 600 });
    expect(Buffer.from(again.toBytes()).equals(Buffer.from(tok.toBytes()))).toBe(true);
  });

  it('stops early when no pair repeats, and rejects bad sizes', () => {
    const small = BpeTokenizer.train(['abab'], { vocabSize: 1000 });
    expect(small.vocabSize).toBe(259);
    expect(small.encode('abab', { bos: false })).toEqual([258, 258]);
    expect(() => BpeTokenizer.train([], { vocabSize: 100 })).toThrow(RangeError);
    expect(() => BpeTokenizer.train([], { vocabSize: 70_000 })).toThrow(RangeError);
  });

  it('saves and loads as JSON, encoding identically', () => {
    const loaded = BpeTokenizer.fromBytes(tok.toBytes());
    expect(loaded.toJson()).toEqual(tok.toJson());
    for (const line of lines.slice(0, 100)) expect(loaded.encode(line)).toEqual(tok.encode(line));
    expect(JSON.parse(new TextDecoder().decode(tok.toBytes()))).toMatchObject({ format: 'tinyedge-bpe', version: 1, pretokenizer: 'words-v1', vocabSize: 600 });
  });

  it.each([
    ['not JSON', new TextEncoder().encode('{"format":')],
    ['another format', new TextEncoder().encode('{"format":"sentencepiece"}')],
    ['a merge of a later id', new TextEncoder().encode('{"format":"tinyedge-bpe","version":1,"pretokenizer":"words-v1","vocabSize":259,"bos":256,"eos":257,"merges":[[258,1]]}')],
    ['a merge with BOS', new TextEncoder().encode('{"format":"tinyedge-bpe","version":1,"pretokenizer":"words-v1","vocabSize":259,"bos":256,"eos":257,"merges":[[256,1]]}')],
    ['a wrong vocabSize', new TextEncoder().encode('{"format":"tinyedge-bpe","version":1,"pretokenizer":"words-v1","vocabSize":300,"bos":256,"eos":257,"merges":[[97,98]]}')],
    ['invalid UTF-8', Uint8Array.of(0xff, 0xfe)],
  ])('refuses a tokenizer file with %s (E_TOKENIZER_FORMAT)', (_, bytes) => {
    try {
      BpeTokenizer.fromBytes(bytes);
      expect.unreachable();
    } catch (err) {
      expect(isTinyEdgeError(err, 'E_TOKENIZER_FORMAT'), String(err)).toBe(true);
    }
  });

  it('streams text token by token, holding back split characters until they complete', () => {
    const text = 'crème fraîche 🍓 und 寿司 ok';
    const ids = tok.encode(text, { bos: false });
    const decoder = tok.createDecoder();
    let out = '';
    let held = false;
    for (const id of ids) {
      out += decoder.push(id);
      held ||= decoder.holding;
    }
    out += decoder.flush();
    expect(out).toBe(text);
    expect(held).toBe(true);
    const cut = tok.createDecoder();
    expect(cut.push(0xf0)).toBe('');
    expect(cut.holding).toBe(true);
    expect(cut.flush()).toBe('\ufffd');
  });
});

describe("tokenizer kind 'bpe' in bundles", () => {
  it('createTokenizer reads it and checks the vocabulary size', () => {
    const t = createTokenizer('bpe', tok.toBytes(), 600);
    expect(t.kind).toBe('bpe');
    expect(t.encode('hello')).toEqual(tok.encode('hello'));
    try {
      createTokenizer('bpe', tok.toBytes(), 512);
      expect.unreachable();
    } catch (err) {
      expect(isTinyEdgeError(err, 'E_TOKENIZER_MISMATCH'), String(err)).toBe(true);
    }
  });

  it('a bundle with a BPE tokenizer is written as tokenizer.json, read back, loaded and run', async () => {
    const config = { dim: 32, hiddenDim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, vocabSize: tok.vocabSize, seqLen: 48, sharedClassifier: true };
    const { model } = buildLlamaModels(config, randomLlamaWeights(config, 3), 'none', 0);
    const dir = await mkdtemp(join(tmpdir(), 'tinyedge-bpe-bundle-'));
    const manifest = await writeBundle(dir, { name: 'bpe-tiny', config, quantization: 'none', model, tokenizer: { kind: 'bpe', bytes: tok.toBytes() }, licence: 'MIT' });
    expect(manifest.tokenizer).toEqual({ file: 'tokenizer.json', kind: 'bpe' });
    expect(parseBundleManifest(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'))).tokenizer.kind).toBe('bpe');
    const bundle = await readBundle(dir);
    expect(Buffer.from(bundle.tokenizer).equals(Buffer.from(tok.toBytes()))).toBe(true);

    const loaded = await loadModel(dir);
    try {
      const prompt = 'add two litres of milk\n';
      const generation = loaded.generate(prompt, { maxTokens: 12, temperature: 0 });
      let streamed = '';
      for await (const piece of generation) streamed += piece.text;
      const result = await generation.result;
      const info = await generation.prompt;
      expect(info.tokens).toEqual(tok.encode(prompt));
      expect(info.text).toBe(prompt);
      expect(result.tokens.length).toBeGreaterThan(0);
      expect(streamed).toBe(result.text);
      expect(result.text).toBe(tok.decode(result.tokens));
    } finally {
      await loaded.close();
    }
  });

  it('a manifest naming an unknown tokenizer kind is still refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tinyedge-bpe-kind-'));
    const path = join(dir, 'manifest.json');
    const m = { formatVersion: 1, name: 'x', version: '1', family: 'llama', hyperparameters: { dim: 8, hiddenDim: 8, nLayers: 1, nHeads: 2, nKvHeads: 1, vocabSize: 300, seqLen: 8, sharedClassifier: true },
      quantization: 'none', contextLength: 8, model: 'm.tflite', tokenizer: { file: 't.json', kind: 'wordpiece' }, licence: 'MIT',
      files: { 'm.tflite': { sha256: '0'.repeat(64), bytes: 1 }, 't.json': { sha256: '0'.repeat(64), bytes: 1 } } };
    await writeFile(path, JSON.stringify(m));
    expect(() => parseBundleManifest(m)).toThrow(/tokenizer.kind" must be "llama2c" or "bpe"/);
  });
});
