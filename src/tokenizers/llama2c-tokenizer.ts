import { TinyEdgeError } from '../errors.js';

const FORMAT_HINT =
  "Use the tokenizer.bin that belongs to this checkpoint (llama2.c's tokenizer.bin, or the tokNNN.bin written by its tokenizer.py export).";

/**
 * llama2.c's sentencepiece-style BPE tokenizer, read from its `tokenizer.bin`,
 * encoding and decoding exactly as llama2.c's `run.c` does.
 *
 * The file holds an int32 `max_token_length`, then per token a float32 merge
 * score, an int32 byte length and the piece's bytes (spaces are real spaces,
 * not `▁`). The vocabulary size is not in the file: it comes from the
 * checkpoint. Ids 0, 1, 2 are `<unk>`, BOS and EOS; ids 3..258 are the byte
 * pieces `<0x00>`..`<0xFF>` used for byte fallback.
 *
 * Pieces are compared as C strings, as run.c does: bytes after a NUL inside a
 * piece are ignored when encoding and decoding. When two pieces are equal
 * the lowest id wins (run.c's binary search picks either).
 *
 * @example
 * ```ts
 * const tok = Llama2cTokenizer.fromBytes(await readFile('tok512.bin'), config.vocabSize);
 * const ids = tok.encode('Once upon a time', { bos: true });
 * console.log(tok.printedText(ids)); // "Once upon a time", as llama2.c's run prints it
 * ```
 */
export class Llama2cTokenizer {
  /** The beginning-of-sequence id, 1 as in llama2.c. */
  readonly bosId = 1;
  /** The end-of-sequence id, 2 as in llama2.c. */
  readonly eosId = 2;
  /** Number of pieces, equal to the checkpoint's vocab size. */
  readonly vocabSize: number;
  /** `max_token_length` from the file header, in bytes. */
  readonly maxTokenLength: number;
  readonly #pieces: Uint8Array[];
  readonly #scores: Float32Array;
  /** Each piece as a C string, one char per byte (latin1), for lookups and merges. */
  readonly #keys: string[];
  readonly #ids: Map<string, number>;

  private constructor(pieces: Uint8Array[], scores: Float32Array, maxTokenLength: number) {
    this.vocabSize = pieces.length;
    this.maxTokenLength = maxTokenLength;
    this.#pieces = pieces;
    this.#scores = scores;
    this.#keys = pieces.map((p) => latin1(cString(p)));
    this.#ids = new Map();
    this.#keys.forEach((key, id) => {
      if (!this.#ids.has(key)) this.#ids.set(key, id);
    });
  }

  /**
   * Parse a `tokenizer.bin`.
   *
   * @param bytes - the whole file
   * @param vocabSize - the checkpoint's vocabulary size; the file must hold exactly this many pieces
   * @throws TinyEdgeError `E_TOKENIZER_FORMAT` when the file is truncated mid-piece, has a
   *   negative length or trailing bytes; `E_TOKENIZER_MISMATCH` when it holds fewer or more
   *   whole pieces than `vocabSize`
   * @throws RangeError when `vocabSize` is not a positive integer
   * @throws TypeError when `bytes` is not a Uint8Array
   */
  static fromBytes(bytes: Uint8Array, vocabSize: number): Llama2cTokenizer {
    if (!(bytes instanceof Uint8Array)) throw new TypeError('Llama2cTokenizer.fromBytes expects a Uint8Array');
    if (!Number.isInteger(vocabSize) || vocabSize <= 0) {
      throw new RangeError(`vocabSize must be a positive integer, found ${vocabSize}`);
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.byteLength < 4) {
      throw formatError(`tokenizer is truncated: expected a 4-byte header, found ${bytes.byteLength} bytes`);
    }
    const maxTokenLength = view.getInt32(0, true);
    if (maxTokenLength < 0) throw formatError(`expected a non-negative max_token_length, found ${maxTokenLength}`);
    const pieces: Uint8Array[] = [];
    // every piece takes at least 8 bytes, so a huge vocabSize cannot make us allocate more than the file
    const scores = new Float32Array(Math.min(vocabSize, Math.floor((bytes.byteLength - 4) / 8)));
    let offset = 4;
    for (let id = 0; id < vocabSize; id++) {
      if (offset === bytes.byteLength) {
        throw new TinyEdgeError(
          'E_TOKENIZER_MISMATCH',
          `tokenizer holds ${id} pieces but the checkpoint's vocab_size is ${vocabSize}`,
          `This tokenizer belongs to another model, or the file was cut short. ${FORMAT_HINT}`,
        );
      }
      if (offset + 8 > bytes.byteLength) {
        throw formatError(`tokenizer is truncated inside piece ${id}: expected 8 bytes at offset ${offset}, found ${bytes.byteLength - offset}`);
      }
      scores[id] = view.getFloat32(offset, true);
      const length = view.getInt32(offset + 4, true);
      offset += 8;
      if (length < 0) throw formatError(`piece ${id} at offset ${offset - 4} has a negative length ${length}`);
      if (offset + length > bytes.byteLength) {
        throw formatError(`tokenizer is truncated inside piece ${id}: expected ${length} bytes at offset ${offset}, found ${bytes.byteLength - offset}`);
      }
      pieces.push(bytes.slice(offset, offset + length));
      offset += length;
    }
    if (offset !== bytes.byteLength) {
      const more = countPieces(view, offset);
      if (more === null) {
        throw formatError(`tokenizer has ${bytes.byteLength - offset} bytes after its last piece (${vocabSize - 1}) that are not whole pieces`);
      }
      throw new TinyEdgeError(
        'E_TOKENIZER_MISMATCH',
        `tokenizer holds ${vocabSize + more} pieces but the checkpoint's vocab_size is ${vocabSize}`,
        `This tokenizer belongs to another model. ${FORMAT_HINT}`,
      );
    }
    return new Llama2cTokenizer(pieces, scores, maxTokenLength);
  }

  /**
   * The raw bytes of piece `id` as stored in the file (a copy).
   * @throws RangeError when `id` is not a valid token id
   */
  piece(id: number): Uint8Array {
    return this.#piece(id).slice();
  }

  /**
   * The merge score of piece `id` (higher merges first).
   * @throws RangeError when `id` is not a valid token id
   */
  score(id: number): number {
    this.#piece(id);
    return this.#scores[id]!;
  }

  /**
   * Encode text exactly as run.c's `encode()`: optional BOS, a dummy-prefix
   * `" "` token when the text is not empty, one token per UTF-8 codepoint
   * found in the vocabulary (else one byte-fallback token, id `byte + 3`, per
   * byte), then repeatedly merge the adjacent pair whose concatenation is the
   * highest-scoring piece (leftmost on ties), optional EOS.
   *
   * Unlike C, a NUL character does not end the text; it is byte-encoded.
   *
   * @param text - a string (encoded as UTF-8) or raw bytes
   * @param opts - `bos` prepends id 1, `eos` appends id 2; both default to `false`
   * @returns token ids
   * @throws TinyEdgeError `E_TOKENIZER_FORMAT` when byte fallback needs an id beyond the vocabulary
   *
   * @example
   * ```ts
   * tok.encode('hello', { bos: true }); // [1, ...]
   * ```
   */
  encode(text: string | Uint8Array, opts: { bos?: boolean; eos?: boolean } = {}): number[] {
    const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
    // BOS takes part in the merge loop as in run.c (no real piece ever merges with it)
    const tokens: number[] = opts.bos === true ? [this.bosId] : [];
    if (bytes.length > 0) {
      const space = this.#ids.get(' ');
      // run.c would store -1 here and crash; a vocabulary without " " just gets no prefix
      if (space !== undefined) tokens.push(space);
    }
    for (let i = 0; i < bytes.length; ) {
      // a codepoint is a lead byte plus at most three continuation bytes, as in run.c
      let end = i + 1;
      while (end < bytes.length && end - i < 4 && (bytes[end]! & 0xc0) === 0x80) end++;
      const id = this.#ids.get(latin1(bytes.subarray(i, end)));
      if (id !== undefined) {
        tokens.push(id);
      } else {
        for (let j = i; j < end; j++) tokens.push(this.#byteToken(bytes[j]!));
      }
      i = end;
    }
    this.#merge(tokens);
    if (opts.eos === true) tokens.push(this.eosId);
    return tokens;
  }

  /**
   * The bytes run.c's `decode()` yields for `token` following `prevToken`:
   * after BOS a leading space is dropped, a piece that reads `<0xNN>` becomes
   * that single byte, and a piece is cut at its first NUL byte.
   *
   * @param prevToken - the token before `token` (1 for the first one after BOS)
   * @param token - the token to decode
   * @returns the piece's bytes; may be part of a multi-byte UTF-8 character
   * @throws RangeError when `token` is not a valid token id
   */
  decodePiece(prevToken: number, token: number): Uint8Array {
    let piece = cString(this.#piece(token));
    if (prevToken === this.bosId && piece[0] === 0x20) piece = piece.subarray(1);
    const byte = parseBytePiece(piece);
    return byte === null ? piece.slice() : Uint8Array.of(byte);
  }

  /**
   * run.c's `safe_printf` rule: what it prints for a decoded piece. A piece
   * is cut at its first NUL; a single byte that is neither printable nor
   * whitespace in the C locale (control codes and every byte >= 0x80) is
   * dropped; anything longer is printed as is.
   *
   * @param piece - bytes from {@link Llama2cTokenizer.decodePiece}
   * @returns the bytes to print, possibly empty
   */
  printable(piece: Uint8Array): Uint8Array {
    const bytes = cString(piece);
    if (bytes.length === 1 && !isPrintOrSpace(bytes[0]!)) return new Uint8Array(0);
    return bytes;
  }

  /**
   * The bytes llama2.c's `run` prints for a token sequence, from the token
   * after the first one onward: each token decoded after its predecessor and
   * passed through {@link Llama2cTokenizer.printable}, stopping at a BOS
   * (id 1), as run's generate loop does. The first token is normally BOS.
   * run prints a final newline after this; it is not included.
   *
   * @param tokens - the sequence fed to the model: BOS, the prompt, the generated tokens
   * @throws RangeError when a token is not a valid token id
   */
  printedBytes(tokens: readonly number[]): Uint8Array {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (let i = 1; i < tokens.length; i++) {
      const next = tokens[i]!;
      if (next === this.bosId) break;
      const part = this.printable(this.decodePiece(tokens[i - 1]!, next));
      parts.push(part);
      total += part.length;
    }
    const out = new Uint8Array(total);
    let offset = 0;
    for (const part of parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }

  /**
   * {@link Llama2cTokenizer.printedBytes} decoded as UTF-8 (invalid sequences
   * become U+FFFD): the text llama2.c's `run` shows for the sequence.
   *
   * @param tokens - the sequence fed to the model, normally starting with BOS
   * @throws RangeError when a token is not a valid token id
   */
  printedText(tokens: readonly number[]): string {
    return new TextDecoder().decode(this.printedBytes(tokens));
  }

  /** Greedy BPE as run.c: merge the best-scoring adjacent pair until none is a piece. */
  #merge(tokens: number[]): void {
    const keys = this.#keys;
    const scores = this.#scores;
    // run.c starts from a float -1e10, so pieces scored at or below it never merge
    const floor = Math.fround(-1e10);
    const pairOf = (i: number): number => this.#ids.get(keys[tokens[i]!]! + keys[tokens[i + 1]!]!) ?? -1;
    // pairs[i]: the piece tokens[i] + tokens[i+1] would merge into, or -1; only the
    // neighbours of a merge change, so each round is a scan of numbers, not lookups
    const pairs: number[] = [];
    for (let i = 0; i < tokens.length - 1; i++) pairs.push(pairOf(i));
    for (;;) {
      let bestScore = floor;
      let bestIndex = -1;
      for (let i = 0; i < pairs.length; i++) {
        const id = pairs[i]!;
        if (id !== -1 && scores[id]! > bestScore) {
          bestScore = scores[id]!;
          bestIndex = i;
        }
      }
      if (bestIndex === -1) return;
      tokens.splice(bestIndex, 2, pairs[bestIndex]!);
      pairs.splice(bestIndex, 1);
      if (bestIndex > 0) pairs[bestIndex - 1] = pairOf(bestIndex - 1);
      if (bestIndex < pairs.length) pairs[bestIndex] = pairOf(bestIndex);
    }
  }

  #byteToken(byte: number): number {
    const id = byte + 3;
    if (id >= this.vocabSize) {
      throw formatError(
        `byte fallback for 0x${byte.toString(16).padStart(2, '0')} needs token ${id}, but the vocabulary has only ${this.vocabSize} pieces`,
      );
    }
    return id;
  }

  #piece(id: number): Uint8Array {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
      throw new RangeError(`token id must be an integer in [0, ${this.vocabSize}), found ${id}`);
    }
    return this.#pieces[id]!;
  }
}

/**
 * run.c's `sscanf(piece, "<0x%02hhX>", &byte)`: the literal `<0x`, optional
 * whitespace, then at most two characters read as a signed hex number
 * (at least one digit). The closing `>` is not checked, as in C.
 */
function parseBytePiece(piece: Uint8Array): number | null {
  if (piece[0] !== 0x3c || piece[1] !== 0x30 || piece[2] !== 0x78) return null;
  let i = 3;
  while (i < piece.length && isSpace(piece[i]!)) i++;
  let sign = 1;
  let width = 2;
  if (piece[i] === 0x2b || piece[i] === 0x2d) {
    if (piece[i] === 0x2d) sign = -1;
    i++;
    width--;
  }
  let value = 0;
  let digits = 0;
  while (digits < width && i < piece.length) {
    const d = hexDigit(piece[i]!);
    if (d < 0) break;
    value = value * 16 + d;
    digits++;
    i++;
  }
  return digits === 0 ? null : (sign * value) & 0xff;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

/** C locale `isspace`: space, \t, \n, \v, \f, \r. */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** C locale `isprint(c) || isspace(c)`. */
function isPrintOrSpace(c: number): boolean {
  return (c >= 0x20 && c <= 0x7e) || isSpace(c);
}

/** The bytes before the first NUL, as C sees a string (a view, not a copy). */
function cString(bytes: Uint8Array): Uint8Array {
  const nul = bytes.indexOf(0);
  return nul === -1 ? bytes : bytes.subarray(0, nul);
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

/** How many whole pieces the bytes from `offset` hold, or `null` if they do not end on a piece. */
function countPieces(view: DataView, offset: number): number | null {
  let count = 0;
  while (offset < view.byteLength) {
    if (offset + 8 > view.byteLength) return null;
    const length = view.getInt32(offset + 4, true);
    if (length < 0 || offset + 8 + length > view.byteLength) return null;
    offset += 8 + length;
    count++;
  }
  return count;
}

function formatError(message: string): TinyEdgeError {
  return new TinyEdgeError('E_TOKENIZER_FORMAT', message, FORMAT_HINT);
}
