import { TinyEdgeError } from '../errors.js';
import type { EncodeOptions, TokenTextDecoder, Tokenizer } from '../runtime/tokenizer.js';

/** Ids 0..255 are the bytes themselves, so any input encodes. */
const BYTE_TOKENS = 256;
const BOS_ID = 256;
const EOS_ID = 257;
/** The first id a merge creates. */
const FIRST_MERGE = 258;
/** Pair keys pack two ids below 2^16 into one number. */
const MAX_VOCAB = 65536;
/** A run of punctuation is cut into chunks of at most this many bytes. */
const MAX_PUNCT_RUN = 8;

/** The JSON file a {@link BpeTokenizer} is saved as (`tokenizer.json` in a bundle). */
export interface BpeTokenizerJson {
  /** Always `tinyedge-bpe`. */
  format: 'tinyedge-bpe';
  /** File format version, 1. */
  version: 1;
  /** How text is cut into chunks before merging; `words-v1` (see {@link BpeTokenizer}). */
  pretokenizer: 'words-v1';
  /** Number of ids: 256 bytes, BOS, EOS and one per merge. */
  vocabSize: number;
  /** The BOS id, 256. */
  bos: number;
  /** The EOS id, 257. */
  eos: number;
  /** Merges in the order they were learned: merge `i` joins ids `[a, b]` into id `258 + i`. */
  merges: [number, number][];
}

/** Options of {@link BpeTokenizer.train}. */
export interface TrainBpeOptions {
  /** Target vocabulary size, 258..65536: 256 bytes, BOS, EOS, then merges. */
  vocabSize: number;
  /** Stop early when the most frequent pair occurs fewer times than this. Default 2. */
  minFrequency?: number;
}

type ByteClass = 0 | 1 | 2 | 3; // letter, digit, space, other
const LETTER = 0;
const DIGIT = 1;
const SPACE = 2;
const OTHER = 3;

const CLASS = new Uint8Array(256).map((_, b): ByteClass => {
  if ((b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b >= 0x80) return LETTER;
  if (b >= 0x30 && b <= 0x39) return DIGIT;
  if (b === 0x20 || (b >= 0x09 && b <= 0x0d)) return SPACE;
  return OTHER;
});
/** `.`, `_` and `'` join letters on both sides into one chunk ("shopping.add", "within_days", "what's"). */
const JOINER = new Set([0x2e, 0x5f, 0x27]);

/**
 * Cut bytes into the chunks merges stay inside (`words-v1`): runs of letters
 * (bytes >= 0x80 count as letters, so UTF-8 words stay whole, and `.`, `_`,
 * `'` between letters join them), single digits, single whitespace bytes,
 * and runs of other bytes (at most 8). Spaces are chunks of their own, so a
 * word encodes the same in a request and inside an action.
 */
function chunk(bytes: Uint8Array, visit: (start: number, end: number) => void): void {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const start = i;
    const cls = CLASS[bytes[i] as number];
    if (cls === LETTER) {
      i++;
      while (i < n) {
        const c = CLASS[bytes[i] as number];
        if (c === LETTER) i++;
        else if (JOINER.has(bytes[i] as number) && i + 1 < n && CLASS[bytes[i + 1] as number] === LETTER) i += 2;
        else break;
      }
    } else if (cls === OTHER) {
      i++;
      while (i < n && i - start < MAX_PUNCT_RUN && CLASS[bytes[i] as number] === OTHER) i++;
    } else {
      i++;
    }
    visit(start, i);
  }
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i] as number);
  return s;
}

const utf8 = new TextEncoder();

/**
 * Our byte-level BPE tokenizer: ids 0..255 are raw bytes (so no input is
 * ever out of vocabulary: any string, any bytes), 256 is BOS, 257 is EOS,
 * and every further id is a learned merge of two earlier ids. Text is first
 * cut into chunks (letter runs, single digits, single spaces, punctuation
 * runs; see `pretokenizer` in {@link BpeTokenizerJson}) and merges never
 * cross a chunk boundary, which keeps names whole and identical wherever
 * they appear. Encoding is deterministic and decoding gives back the exact
 * bytes.
 *
 * @example
 * ```ts
 * const tok = BpeTokenizer.train(lines, { vocabSize: 768 });
 * const ids = tok.encode('add two litres of milk', { bos: true }); // [256, ...]
 * tok.decode(ids); // 'add two litres of milk'
 * await writeFile('tokenizer.json', tok.toBytes());
 * ```
 */
export class BpeTokenizer implements Tokenizer {
  /** The tokenizer kind a bundle manifest names, `bpe`. */
  readonly kind = 'bpe' as const;
  /** Number of ids: 258 plus the number of merges. */
  readonly vocabSize: number;
  /** The beginning-of-sequence id, 256. */
  readonly bosId = BOS_ID;
  /** The end-of-sequence id, 257. */
  readonly eosId = EOS_ID;
  readonly #merges: readonly (readonly [number, number])[];
  /** Pair key -> merge rank. */
  readonly #rank = new Map<number, number>();
  /** The bytes of every id (empty for BOS and EOS). */
  readonly #bytes: Uint8Array[];
  /** Chunk (latin1) -> ids; chunks repeat a lot in practice. */
  readonly #cache = new Map<string, number[]>();

  private constructor(merges: readonly (readonly [number, number])[]) {
    this.#merges = merges;
    this.vocabSize = FIRST_MERGE + merges.length;
    this.#bytes = [];
    for (let b = 0; b < BYTE_TOKENS; b++) this.#bytes.push(Uint8Array.of(b));
    this.#bytes.push(new Uint8Array(0), new Uint8Array(0));
    merges.forEach(([a, b], rank) => {
      this.#rank.set(a * MAX_VOCAB + b, rank);
      const left = this.#bytes[a] as Uint8Array;
      const right = this.#bytes[b] as Uint8Array;
      const joined = new Uint8Array(left.length + right.length);
      joined.set(left);
      joined.set(right, left.length);
      this.#bytes.push(joined);
    });
  }

  /**
   * Learn merges from a corpus until the vocabulary reaches `vocabSize` (or
   * no pair occurs `minFrequency` times). Pairs are counted per distinct
   * chunk and updated incrementally, so ~50k lines train in about a second.
   * Ties go to the pair with the smaller ids, so the result depends only on
   * the texts and options.
   *
   * @param texts - the training texts (each is chunked on its own)
   * @throws RangeError when `vocabSize` is not an integer in 258..65536
   */
  static train(texts: Iterable<string>, options: TrainBpeOptions): BpeTokenizer {
    const { vocabSize, minFrequency = 2 } = options;
    if (!Number.isInteger(vocabSize) || vocabSize < FIRST_MERGE || vocabSize > MAX_VOCAB) {
      throw new RangeError(`vocabSize must be an integer in ${FIRST_MERGE}..${MAX_VOCAB}, found ${vocabSize}`);
    }
    const counts = new Map<string, number>();
    for (const text of texts) {
      const bytes = utf8.encode(text);
      chunk(bytes, (s, e) => {
        const key = latin1(bytes, s, e);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      });
    }
    // Sorted so that word indices, hence everything after, depend only on the counts.
    const keys = [...counts.keys()].sort();
    const words: number[][] = keys.map((k) => Array.from(k, (c) => c.charCodeAt(0)));
    const freq = keys.map((k) => counts.get(k) as number);
    const pairCount = new Map<number, number>();
    const pairWords = new Map<number, Set<number>>();
    const addPairs = (w: number, sign: 1 | -1): void => {
      const word = words[w] as number[];
      const f = (freq[w] as number) * sign;
      for (let i = 0; i + 1 < word.length; i++) {
        const key = (word[i] as number) * MAX_VOCAB + (word[i + 1] as number);
        pairCount.set(key, (pairCount.get(key) ?? 0) + f);
        if (sign > 0) {
          let set = pairWords.get(key);
          if (!set) pairWords.set(key, (set = new Set()));
          set.add(w);
        }
      }
    };
    for (let w = 0; w < words.length; w++) addPairs(w, 1);

    const merges: [number, number][] = [];
    while (FIRST_MERGE + merges.length < vocabSize) {
      let bestKey = -1;
      let bestCount = 0;
      for (const [key, count] of pairCount) {
        if (count > bestCount || (count === bestCount && count > 0 && key < bestKey)) {
          bestKey = key;
          bestCount = count;
        }
      }
      if (bestKey < 0 || bestCount < minFrequency) break;
      const a = Math.floor(bestKey / MAX_VOCAB);
      const b = bestKey % MAX_VOCAB;
      const id = FIRST_MERGE + merges.length;
      merges.push([a, b]);
      for (const w of pairWords.get(bestKey) ?? []) {
        const word = words[w] as number[];
        addPairs(w, -1);
        const merged: number[] = [];
        for (let i = 0; i < word.length; i++) {
          if (i + 1 < word.length && word[i] === a && word[i + 1] === b) {
            merged.push(id);
            i++;
          } else {
            merged.push(word[i] as number);
          }
        }
        words[w] = merged;
        addPairs(w, 1);
      }
      pairCount.delete(bestKey);
      pairWords.delete(bestKey);
    }
    return new BpeTokenizer(merges);
  }

  /**
   * Read a tokenizer saved by {@link BpeTokenizer.toBytes} (UTF-8 JSON).
   *
   * @throws TinyEdgeError `E_TOKENIZER_FORMAT` when the bytes are not such a file or a merge is inconsistent
   */
  static fromBytes(bytes: Uint8Array): BpeTokenizer {
    if (!(bytes instanceof Uint8Array)) throw new TypeError('BpeTokenizer.fromBytes expects a Uint8Array');
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch (err) {
      throw formatError(`tokenizer file is not UTF-8 JSON: ${(err as Error).message}`);
    }
    return BpeTokenizer.fromJson(json);
  }

  /**
   * Check and load the parsed JSON of a tokenizer file.
   *
   * @throws TinyEdgeError `E_TOKENIZER_FORMAT` naming the first field that is wrong
   */
  static fromJson(json: unknown): BpeTokenizer {
    const o = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
    if (!o || o.format !== 'tinyedge-bpe') throw formatError('expected a JSON object with "format": "tinyedge-bpe"');
    if (o.version !== 1) throw formatError(`expected "version": 1, found ${JSON.stringify(o.version)}`);
    if (o.pretokenizer !== 'words-v1') throw formatError(`expected "pretokenizer": "words-v1", found ${JSON.stringify(o.pretokenizer)}`);
    if (o.bos !== BOS_ID || o.eos !== EOS_ID) throw formatError(`expected "bos": ${BOS_ID} and "eos": ${EOS_ID}`);
    if (!Array.isArray(o.merges)) throw formatError('expected "merges" to be an array of [a, b] id pairs');
    const merges: [number, number][] = [];
    const seen = new Set<number>();
    o.merges.forEach((m: unknown, i) => {
      const limit = FIRST_MERGE + i;
      const ok = Array.isArray(m) && m.length === 2 && m.every((x) => Number.isInteger(x) && x >= 0 && x < limit && x !== BOS_ID && x !== EOS_ID);
      if (!ok) throw formatError(`merge ${i} must be two ids of bytes or earlier merges (below ${limit}, not BOS/EOS), found ${JSON.stringify(m)}`);
      const key = (m[0] as number) * MAX_VOCAB + (m[1] as number);
      if (seen.has(key)) throw formatError(`merge ${i} repeats the pair ${JSON.stringify(m)}`);
      seen.add(key);
      merges.push([m[0] as number, m[1] as number]);
    });
    if (o.vocabSize !== FIRST_MERGE + merges.length || FIRST_MERGE + merges.length > MAX_VOCAB) {
      throw formatError(`"vocabSize" must be ${FIRST_MERGE} + ${merges.length} merges = ${FIRST_MERGE + merges.length} (at most ${MAX_VOCAB}), found ${JSON.stringify(o.vocabSize)}`);
    }
    return new BpeTokenizer(merges);
  }

  /** The tokenizer as {@link BpeTokenizerJson}. */
  toJson(): BpeTokenizerJson {
    return {
      format: 'tinyedge-bpe',
      version: 1,
      pretokenizer: 'words-v1',
      vocabSize: this.vocabSize,
      bos: BOS_ID,
      eos: EOS_ID,
      merges: this.#merges.map(([a, b]) => [a, b]),
    };
  }

  /** The tokenizer file: {@link BpeTokenizerJson} as UTF-8, one merge per line. */
  toBytes(): Uint8Array {
    const j = this.toJson();
    const head = JSON.stringify({ ...j, merges: [] }).slice(0, -3);
    const merges = j.merges.map((m) => `  ${JSON.stringify(m)}`).join(',\n');
    return utf8.encode(`${head}[\n${merges}\n]}\n`);
  }

  /**
   * Encode text (its UTF-8 bytes) to ids.
   *
   * @param options - `bos` (default `true`) prepends BOS, `eos` (default `false`) appends EOS
   */
  encode(text: string, options: EncodeOptions = {}): number[] {
    if (typeof text !== 'string') throw new TypeError('encode expects a string');
    return this.encodeBytes(utf8.encode(text), options);
  }

  /** Encode arbitrary bytes (not necessarily UTF-8) to ids; same options as {@link BpeTokenizer.encode}. */
  encodeBytes(bytes: Uint8Array, options: EncodeOptions = {}): number[] {
    const out: number[] = [];
    if (options.bos ?? true) out.push(BOS_ID);
    chunk(bytes, (s, e) => {
      for (const id of this.#encodeChunk(bytes, s, e)) out.push(id);
    });
    if (options.eos ?? false) out.push(EOS_ID);
    return out;
  }

  #encodeChunk(bytes: Uint8Array, start: number, end: number): readonly number[] {
    if (end - start === 1) return [bytes[start] as number];
    const key = latin1(bytes, start, end);
    const cached = this.#cache.get(key);
    if (cached) return cached;
    let symbols = Array.from(bytes.subarray(start, end));
    for (;;) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const rank = this.#rank.get((symbols[i] as number) * MAX_VOCAB + (symbols[i + 1] as number));
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best < 0) break;
      const [a, b] = this.#merges[bestRank] as readonly [number, number];
      const id = FIRST_MERGE + bestRank;
      const next: number[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (i + 1 < symbols.length && symbols[i] === a && symbols[i + 1] === b) {
          next.push(id);
          i++;
        } else {
          next.push(symbols[i] as number);
        }
      }
      symbols = next;
    }
    if (this.#cache.size < 100_000) this.#cache.set(key, symbols);
    return symbols;
  }

  /** The exact bytes of a sequence of ids (BOS and EOS add none). @throws RangeError for an id outside the vocabulary */
  decodeBytes(ids: readonly number[]): Uint8Array {
    let length = 0;
    for (const id of ids) length += this.#piece(id).length;
    const out = new Uint8Array(length);
    let at = 0;
    for (const id of ids) {
      const piece = this.#piece(id);
      out.set(piece, at);
      at += piece.length;
    }
    return out;
  }

  /** Decode ids to text (invalid UTF-8 becomes U+FFFD). @throws RangeError for an id outside the vocabulary */
  decode(ids: readonly number[]): string {
    return new TextDecoder().decode(this.decodeBytes(ids));
  }

  /** The bytes token `id` stands for, or `null` for BOS and EOS. @throws RangeError for an id outside the vocabulary */
  tokenBytes(id: number): Uint8Array | null {
    const piece = this.#piece(id);
    return id === BOS_ID || id === EOS_ID ? null : piece.slice();
  }

  #piece(id: number): Uint8Array {
    const piece = Number.isInteger(id) ? this.#bytes[id] : undefined;
    if (piece === undefined) throw new RangeError(`token id ${id} is outside the vocabulary [0, ${this.vocabSize})`);
    return piece;
  }

  /** Start a streaming decoder; `previous` does not matter for this tokenizer. */
  createDecoder(_previous?: number): TokenTextDecoder {
    return new BpeTextDecoder(this);
  }
}

class BpeTextDecoder implements TokenTextDecoder {
  readonly #tok: BpeTokenizer;
  readonly #utf8 = new TextDecoder('utf-8');
  /** Continuation bytes the last character still waits for. */
  #need = 0;

  constructor(tok: BpeTokenizer) {
    this.#tok = tok;
  }

  get holding(): boolean {
    return this.#need > 0;
  }

  push(tokenId: number): string {
    const bytes = this.#tok.tokenBytes(tokenId);
    if (bytes === null || bytes.length === 0) return '';
    for (const b of bytes) {
      if (this.#need > 0 && (b & 0xc0) === 0x80) this.#need--;
      else this.#need = b >= 0xf0 && b < 0xf8 ? 3 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xc0 && b < 0xe0 ? 1 : 0;
    }
    return this.#utf8.decode(bytes, { stream: true });
  }

  flush(): string {
    this.#need = 0;
    return this.#utf8.decode();
  }
}

function formatError(message: string): TinyEdgeError {
  return new TinyEdgeError('E_TOKENIZER_FORMAT', message, 'Use the tokenizer.json written with the model (BpeTokenizer.toBytes), or train a new one.');
}
