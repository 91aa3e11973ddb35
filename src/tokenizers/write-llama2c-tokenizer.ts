/**
 * Write pieces and scores as a llama2.c `tokenizer.bin`: an int32
 * `max_token_length` (the longest piece, in bytes), then per piece a float32
 * score, an int32 byte length and the bytes. Strings are written as UTF-8;
 * use real spaces, not sentencepiece's `▁`.
 *
 * @param pieces - one entry per token id; strings are UTF-8 encoded, byte arrays written as is
 * @param scores - merge score per token id (higher merges first), stored as float32
 * @returns the file's bytes, little-endian
 * @throws RangeError when `pieces` is empty or `scores` has a different length
 * @throws TypeError when a piece is neither a string nor a Uint8Array, or a score is not a number
 *
 * @example
 * ```ts
 * const bytes = writeLlama2cTokenizer(['<unk>', '\n<s>\n', '\n</s>\n'], [0, 0, 0]);
 * ```
 */
export function writeLlama2cTokenizer(pieces: readonly (string | Uint8Array)[], scores: readonly number[]): Uint8Array {
  if (pieces.length === 0) throw new RangeError('pieces must not be empty');
  if (scores.length !== pieces.length) {
    throw new RangeError(`expected one score per piece (${pieces.length}), found ${scores.length} scores`);
  }
  const encoder = new TextEncoder();
  const encoded = pieces.map((p, id) => {
    if (typeof p === 'string') return encoder.encode(p);
    if (p instanceof Uint8Array) return p;
    throw new TypeError(`piece ${id} must be a string or a Uint8Array, found ${typeof p}`);
  });
  let total = 4;
  let maxLength = 0;
  for (const bytes of encoded) {
    total += 8 + bytes.length;
    maxLength = Math.max(maxLength, bytes.length);
  }
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setInt32(0, maxLength, true);
  let offset = 4;
  encoded.forEach((bytes, id) => {
    const score = scores[id];
    if (typeof score !== 'number') throw new TypeError(`score ${id} must be a number, found ${typeof score}`);
    view.setFloat32(offset, score, true);
    view.setInt32(offset + 4, bytes.length, true);
    out.set(bytes, offset + 8);
    offset += 8 + bytes.length;
  });
  return out;
}

// Common pieces of simple English stories, in merge order (best first).
const MERGES = [
  ' t', 'he', ' a', 'in', 'er', 'an', ' s', 'ou', ' w', 'nd', 'on', 'ed', 'at', ' o', 'en', 'it', 'is', ' b',
  ' c', 'ar', ' h', ' m', 'es', ' f', ' d', 'or', ' l', ' p', 'as', 'll', 'ay', ' T', ' S', 'ow', 'le', ' n',
  'ot', ' g', ' y', 'om', 'ir', 'id', 'ig', 'ad', 've', 're', 'ck', 'al', 'un', ' i', ' L', ' O', ' H', ' I',
  'im', 'ri', 'ag', 'ut', 'ew', 'ld', 'pp', 'ho', 'ke', 'st', 'ch', 'sh', 'th', 'ly', 'ur', 'ee', 'oo', 'ul',
  'ic', 'ro', ' the', ' and', ' to', ' was', ' he', 'ing', ' wh', ' sh', ' she', ' The', ' her', ' it', ' of',
  'ted', 'ent', ' his', ' they', ' on', ' sa', ' said', ' with', ' day', ' big', ' had', ' that', ' you', ' in',
  ' pl', ' play', ' happy', ' Li', ' Lily', ' Tim', ' On', ' Once', ' up', ' upon', ' time', ' there', ' lit',
  ' little', ' girl', ' boy', ' name', ' named', ' lo', ' love', ' loved', ' fr', ' friend', ' saw', ' tree',
  ' do', ' dog', ' cat', ' ball', ' went', ' park', ' mom', ' very', ' fun', ' want', ' wanted', ' some', ' not',
  ' could', ' what', ' help', ' look', ' sun', ' bird', ' toy', ' home', ' all', ' were', ' them', ' but', ' so',
  ' go', ' can', ' be', ' sad', ' one', ' to', ' smile', ' out', ' Ben', ' Sue', ' red', ' box', ' car',
];

// the syllable words alone provide more than this many pieces
const MAX_TEST_VOCAB = 1 << 19;

const CHARS = [
  ' ', ...'etaoinshrdlucmfwypvbgkjqxz', ...'ETAOINSHRDLUCMFWYPVBGKJQXZ', ...'0123456789', ...'.,!?\'"-:;()\n',
];

/**
 * A deterministic, valid llama2.c `tokenizer.bin` with exactly `vocabSize`
 * pieces, for tests and benchmarks: `<unk>`, BOS `"\n<s>\n"` and EOS
 * `"\n</s>\n"` (as llama2.c's tokenizer export writes them), the 256 byte
 * pieces `<0x00>`..`<0xFF>`, then merges of common English pieces with real
 * spaces (`" the"`, `"he"`, ...; score `-rank`), then made-up syllable words
 * when more pieces are needed, and finally the single characters (space,
 * letters, digits, punctuation, newline) with the lowest scores, which is
 * sentencepiece's order.
 *
 * @param vocabSize - number of pieces, from 335 (259 + the 76 single characters) to 2^19
 * @returns the file's bytes
 * @throws RangeError when `vocabSize` is not an integer in that range
 *
 * @example
 * ```ts
 * const tok = Llama2cTokenizer.fromBytes(buildTestTokenizer(512), 512);
 * ```
 */
export function buildTestTokenizer(vocabSize: number): Uint8Array {
  const minimum = 3 + 256 + CHARS.length;
  if (!Number.isInteger(vocabSize) || vocabSize < minimum || vocabSize > MAX_TEST_VOCAB) {
    throw new RangeError(`vocabSize must be an integer in [${minimum}, ${MAX_TEST_VOCAB}], found ${vocabSize}`);
  }
  const pieces: string[] = ['<unk>', '\n<s>\n', '\n</s>\n'];
  for (let b = 0; b < 256; b++) pieces.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  const mergeCount = vocabSize - pieces.length - CHARS.length;
  const taken = new Set<string>([...pieces, ...CHARS]);
  const merges: string[] = [];
  for (const piece of candidateMerges()) {
    if (merges.length === mergeCount) break;
    if (taken.has(piece)) continue;
    taken.add(piece);
    merges.push(piece);
  }
  const scores = [...pieces.map(() => 0), ...merges.map((_, i) => -(i + 1)), ...CHARS.map((_, i) => -(mergeCount + i + 1))];
  return writeLlama2cTokenizer([...pieces, ...merges, ...CHARS], scores);
}

/** The English merges, then made-up words: " ba", " be", ..., "baba", ..., " baba", ... */
function* candidateMerges(): Generator<string> {
  yield* MERGES;
  const syllables: string[] = [];
  for (const c of 'bcdfghjklmnprstvwz') for (const v of 'aeiou') syllables.push(c + v);
  for (const s of syllables) yield ` ${s}`;
  for (const a of syllables) for (const b of syllables) yield a + b;
  for (const a of syllables) for (const b of syllables) yield ` ${a}${b}`;
  for (const a of syllables) for (const b of syllables) for (const c of syllables) yield ` ${a}${b}${c}`;
}
