import { describe, expect, it } from 'vitest';
import { isTinyEdgeError } from '../src/errors.js';
import { Llama2cTokenizer } from '../src/tokenizers/llama2c-tokenizer.js';
import { buildTestTokenizer, writeLlama2cTokenizer } from '../src/tokenizers/write-llama2c-tokenizer.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

function basePieces(): { pieces: (string | Uint8Array)[]; scores: number[] } {
  const pieces: (string | Uint8Array)[] = ['<unk>', '\n<s>\n', '\n</s>\n'];
  for (let b = 0; b < 256; b++) pieces.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  return { pieces, scores: pieces.map(() => 0) };
}

/** A tiny vocabulary for hand-worked merges: ids 259.. are listed here. */
function handVocab(): Llama2cTokenizer {
  const { pieces, scores } = basePieces();
  const extra: [string, number][] = [
    [' ', -100], // 259
    ['a', -100], // 260
    ['b', -100], // 261
    ['c', -100], // 262
    ['ab', -5], // 263
    ['bc', -1], // 264
    ['abc', -3], // 265
    [' abc', -10], // 266
    ['ca', -2], // 267
    ['aa', -4], // 268
    ['cc', -1e11], // 269: below run.c's starting best score, never merged
    ['é', -100], // 270
  ];
  for (const [p, s] of extra) {
    pieces.push(p);
    scores.push(s);
  }
  return Llama2cTokenizer.fromBytes(writeLlama2cTokenizer(pieces, scores), pieces.length);
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (isTinyEdgeError(err)) return err.code;
    throw err;
  }
}

describe('Llama2cTokenizer', () => {
  const tok = Llama2cTokenizer.fromBytes(buildTestTokenizer(512), 512);
  const id = (piece: string): number => {
    for (let i = 0; i < tok.vocabSize; i++) if (dec(tok.piece(i)) === piece) return i;
    throw new Error(`no piece ${JSON.stringify(piece)}`);
  };

  it('reads the header and pieces', () => {
    expect(tok.vocabSize).toBe(512);
    expect([tok.bosId, tok.eosId]).toEqual([1, 2]);
    expect(dec(tok.piece(1))).toBe('\n<s>\n');
    expect(dec(tok.piece(3 + 0x41))).toBe('<0x41>');
    expect(tok.maxTokenLength).toBe(Math.max(...Array.from({ length: 512 }, (_, i) => tok.piece(i).length)));
    expect(tok.score(id(' the'))).toBeGreaterThan(tok.score(id('t')));
    expect(() => tok.piece(512)).toThrow(RangeError);
    expect(() => tok.piece(-1)).toThrow(RangeError);
  });

  it('merges the highest-scoring pair first, leftmost on ties (worked by hand)', () => {
    const hand = handVocab();
    // " abcab": [" ",a,b,c,a,b] -> bc(-1) -> abc(-3) -> ab(-5) -> " abc"(-10) => [" abc", "ab"]
    expect(hand.encode('abcab')).toEqual([266, 263]);
    // "aaaa": aa(-4) at the leftmost of three equal pairs, then the next pair
    expect(hand.encode('aaaa')).toEqual([259, 268, 268]);
    // "ca" would merge at -2 but "ab" (-5) is not better than "bc" ... here only ca exists
    expect(hand.encode('ca')).toEqual([259, 267]);
    // scores at or below -1e10 never merge, as in run.c
    expect(hand.encode('cc')).toEqual([259, 262, 262]);
    expect(hand.encode('abc', { bos: true, eos: true })).toEqual([1, 266, 2]);
  });

  it('matches a naive transcription of run.c encode() on random vocabularies and texts', () => {
    let state = 2024;
    const rand = (n: number): number => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) % n;
    };
    const alphabet = ['a', 'b', 'c', ' ', 'é'];
    for (let round = 0; round < 20; round++) {
      const { pieces, scores } = basePieces();
      const strings = pieces.map((p) => p as string);
      for (const ch of alphabet.slice(0, 4)) {
        strings.push(ch);
        scores.push(-50);
      }
      while (strings.length < 259 + 4 + 25) {
        let s = '';
        for (let k = 0, n = 2 + rand(3); k < n; k++) s += alphabet[rand(alphabet.length)];
        if (strings.includes(s)) continue;
        strings.push(s);
        scores.push(-rand(6)); // few distinct scores, so ties are common
      }
      const t = Llama2cTokenizer.fromBytes(writeLlama2cTokenizer(strings, scores), strings.length);
      const lookup = (s: string): number => strings.indexOf(s);
      for (let k = 0; k < 15; k++) {
        let text = '';
        for (let c = 0, n = rand(12); c < n; c++) text += alphabet[rand(alphabet.length)];
        // run.c, written out plainly: dummy prefix, codepoints or bytes + 3, best-pair merges
        const tokens: number[] = text === '' ? [] : [lookup(' ')];
        for (const ch of text) {
          const found = lookup(ch);
          if (found !== -1) tokens.push(found);
          else for (const b of enc(ch)) tokens.push(b + 3);
        }
        for (;;) {
          let best = -1e10;
          let bestId = -1;
          let bestIdx = -1;
          for (let i = 0; i < tokens.length - 1; i++) {
            const merged = lookup(strings[tokens[i]!]! + strings[tokens[i + 1]!]!);
            if (merged !== -1 && scores[merged]! > best) {
              best = scores[merged]!;
              bestId = merged;
              bestIdx = i;
            }
          }
          if (bestIdx === -1) break;
          tokens.splice(bestIdx, 2, bestId);
        }
        expect(t.encode(text)).toEqual(tokens);
      }
    }
  });

  it('adds the dummy prefix only to non-empty text, and BOS/EOS on request', () => {
    expect(tok.encode('')).toEqual([]);
    expect(tok.encode('', { bos: true })).toEqual([1]);
    expect(tok.encode('', { bos: true, eos: true })).toEqual([1, 2]);
    expect(tok.encode('the')).toEqual([id(' the')]);
    expect(tok.encode('the', { bos: true, eos: true })).toEqual([1, id(' the'), 2]);
  });

  it('looks up whole UTF-8 codepoints and falls back to bytes + 3', () => {
    const hand = handVocab();
    expect(hand.encode('é')).toEqual([259, 270]);
    // ü (C3 BC) is not a piece
    expect(hand.encode('ü')).toEqual([259, 0xc3 + 3, 0xbc + 3]);
    const emoji = tok.encode('hi 🙂');
    expect(emoji.slice(-4)).toEqual([0xf0, 0x9f, 0x99, 0x82].map((b) => b + 3));
    // raw bytes: a continuation byte sticks to the byte before it, even ASCII, as in run.c
    expect(hand.encode(Uint8Array.of(0x61, 0x80, 0x61))).toEqual([259, 0x61 + 3, 0x80 + 3, 260]);
    expect(hand.encode(Uint8Array.of(0x80, 0x61))).toEqual([259, 0x80 + 3, 260]);
    // more than four bytes of continuation are split after four
    expect(hand.encode(Uint8Array.of(0xf0, 0x80, 0x80, 0x80, 0x80))).toEqual([259, ...[0xf0, 0x80, 0x80, 0x80, 0x80].map((b) => b + 3)]);
  });

  it('decodes pieces like run.c: BOS strips a leading space, <0xNN> becomes the byte', () => {
    const the = id(' the');
    expect(dec(tok.decodePiece(1, the))).toBe('the');
    expect(dec(tok.decodePiece(5, the))).toBe(' the');
    expect(Array.from(tok.decodePiece(1, 3 + 0x0a))).toEqual([0x0a]);
    expect(Array.from(tok.decodePiece(7, 3 + 0xe2))).toEqual([0xe2]);
    const bytes = [0xf0, 0x9f, 0x99, 0x82].map((b) => tok.decodePiece(9, b + 3)[0]);
    expect(dec(Uint8Array.from(bytes as number[]))).toBe('🙂');
    expect(() => tok.decodePiece(1, 512)).toThrow(RangeError);
  });

  it("applies safe_printf's rule: lone non-printable bytes are dropped", () => {
    expect(Array.from(tok.printable(Uint8Array.of(0x07)))).toEqual([]);
    expect(Array.from(tok.printable(Uint8Array.of(0xe2)))).toEqual([]);
    expect(Array.from(tok.printable(Uint8Array.of(0x00)))).toEqual([]);
    expect(Array.from(tok.printable(Uint8Array.of(0x0a)))).toEqual([0x0a]);
    expect(Array.from(tok.printable(Uint8Array.of(0x09)))).toEqual([0x09]);
    expect(Array.from(tok.printable(Uint8Array.of(0x41)))).toEqual([0x41]);
    expect(dec(tok.printable(enc('€')))).toBe('€');
    expect(dec(tok.printable(enc('ab\0cd')))).toBe('ab');
    expect(tok.printable(new Uint8Array(0)).length).toBe(0);
  });

  it('prints what llama2.c run prints for a sequence', () => {
    for (const text of ['Once upon a time, there was a little girl named Lily.', 'the cat', 'x', '  two spaces', 'a\tb\nc @#$%']) {
      expect(tok.printedText(tok.encode(text, { bos: true }))).toBe(text);
    }
    // characters outside the vocabulary become bytes, and run drops each lone byte >= 0x80
    expect(tok.printedText(tok.encode('hi 🙂 ok', { bos: true }))).toBe('hi  ok');
    expect(tok.printedText(tok.encode('ring \u0007 bell', { bos: true }))).toBe('ring  bell');
    // EOS is printed (run only stops at BOS), BOS ends the output
    expect(tok.printedText([1, id(' the'), 2, id(' cat'), 1, id(' dog')])).toBe('the\n</s>\n cat');
    expect(tok.printedText([1])).toBe('');
    expect(tok.printedText([])).toBe('');
  });

  it('reads run.c-style <0x%02hhX> pieces leniently, as sscanf does', () => {
    const { pieces, scores } = basePieces();
    pieces.push('<0x4>', '<0x41>tail', '<0xZZ>', '<0x +7>', 'x<0x41>');
    scores.push(0, 0, 0, 0, 0);
    const t = Llama2cTokenizer.fromBytes(writeLlama2cTokenizer(pieces, scores), pieces.length);
    expect(Array.from(t.decodePiece(0, 259))).toEqual([4]);
    expect(Array.from(t.decodePiece(0, 260))).toEqual([0x41]);
    expect(dec(t.decodePiece(0, 261))).toBe('<0xZZ>');
    expect(Array.from(t.decodePiece(0, 262))).toEqual([7]);
    expect(dec(t.decodePiece(0, 263))).toBe('x<0x41>');
  });

  it('reports truncation at every offset, and vocabulary mismatches', () => {
    const { pieces, scores } = basePieces();
    pieces.push(' ', 'ab');
    scores.push(-1, -2);
    const bytes = writeLlama2cTokenizer(pieces, scores);
    const boundaries = new Set<number>([4]);
    let at = 4;
    for (const p of pieces) boundaries.add((at += 8 + enc(typeof p === 'string' ? p : '').length));
    for (let n = 0; n < bytes.length; n++) {
      const expected = n >= 4 && boundaries.has(n) ? 'E_TOKENIZER_MISMATCH' : 'E_TOKENIZER_FORMAT';
      expect(codeOf(() => Llama2cTokenizer.fromBytes(bytes.subarray(0, n), pieces.length))).toBe(expected);
    }
    expect(() => Llama2cTokenizer.fromBytes(bytes, pieces.length + 5)).toThrow(/holds 261 pieces but the checkpoint's vocab_size is 266/);
    expect(() => Llama2cTokenizer.fromBytes(bytes, 200)).toThrow(/holds 261 pieces but the checkpoint's vocab_size is 200/);
    expect(() => Llama2cTokenizer.fromBytes(bytes, 2 ** 31 - 1)).toThrow(/holds 261 pieces/);
    const trailing = new Uint8Array(bytes.length + 3);
    trailing.set(bytes);
    expect(codeOf(() => Llama2cTokenizer.fromBytes(trailing, pieces.length))).toBe('E_TOKENIZER_FORMAT');
    const negative = Buffer.from(bytes);
    negative.writeInt32LE(-3, 4 + 4);
    expect(() => Llama2cTokenizer.fromBytes(negative, pieces.length)).toThrow(/negative length -3/);
    const negativeMax = Buffer.from(bytes);
    negativeMax.writeInt32LE(-1, 0);
    expect(codeOf(() => Llama2cTokenizer.fromBytes(negativeMax, pieces.length))).toBe('E_TOKENIZER_FORMAT');
  });

  it('survives a few thousand mutated files', () => {
    const bytes = buildTestTokenizer(400);
    let state = 99;
    const rand = (n: number): number => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) % n;
    };
    const seen = new Set<string>();
    for (let trial = 0; trial < 2000; trial++) {
      let mutated = Uint8Array.from(bytes);
      for (let f = 0, n = 1 + rand(3); f < n; f++) mutated[rand(mutated.length)] = rand(256);
      if (rand(5) === 0) mutated = mutated.subarray(0, rand(mutated.length));
      const code = codeOf(() => {
        const t = Llama2cTokenizer.fromBytes(mutated, 400);
        t.printedText(t.encode('Once upon a time 🙂', { bos: true }));
      });
      seen.add(code);
    }
    expect([...seen].every((c) => ['ok', 'E_TOKENIZER_FORMAT', 'E_TOKENIZER_MISMATCH'].includes(c))).toBe(true);
    expect(seen.has('ok')).toBe(true);
  });

  it('rejects wrong arguments', () => {
    expect(() => Llama2cTokenizer.fromBytes(buildTestTokenizer(400), 0)).toThrow(RangeError);
    expect(() => Llama2cTokenizer.fromBytes(buildTestTokenizer(400), 1.5)).toThrow(RangeError);
    expect(() => Llama2cTokenizer.fromBytes([] as unknown as Uint8Array, 3)).toThrow(TypeError);
    expect(() => writeLlama2cTokenizer(['a'], [])).toThrow(RangeError);
    expect(() => writeLlama2cTokenizer([], [])).toThrow(RangeError);
    expect(() => buildTestTokenizer(300)).toThrow(RangeError);
  });

  it('builds deterministic test vocabularies of any supported size', () => {
    for (const size of [335, 512, 32000]) {
      const bytes = buildTestTokenizer(size);
      expect(Buffer.compare(Buffer.from(bytes), Buffer.from(buildTestTokenizer(size)))).toBe(0);
      const t = Llama2cTokenizer.fromBytes(bytes, size);
      const seen = new Set<string>();
      for (let i = 0; i < size; i++) seen.add(dec(t.piece(i)));
      expect(seen.size).toBe(size);
      expect(t.printedText(t.encode('Once upon a time, Lily saw a big red ball!', { bos: true }))).toBe(
        'Once upon a time, Lily saw a big red ball!',
      );
    }
  });
});

describe('writeLlama2cTokenizer', () => {
  it('writes max_token_length, then score, length and bytes per piece', () => {
    const bytes = Buffer.from(writeLlama2cTokenizer(['ab', Uint8Array.of(0xff), 'été'], [1.5, -2, 0]));
    expect(bytes.readInt32LE(0)).toBe(5);
    expect(bytes.readFloatLE(4)).toBe(1.5);
    expect(bytes.readInt32LE(8)).toBe(2);
    expect(bytes.subarray(12, 14).toString()).toBe('ab');
    expect(bytes.readFloatLE(14)).toBe(-2);
    expect(bytes.readInt32LE(18)).toBe(1);
    expect(bytes[22]).toBe(0xff);
    expect(bytes.readInt32LE(27)).toBe(5);
    expect(bytes.length).toBe(4 + 3 * 8 + 2 + 1 + 5);
  });
});
