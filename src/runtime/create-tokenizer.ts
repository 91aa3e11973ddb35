import { TinyEdgeError } from '../errors.js';
import { BpeTokenizer } from '../tokenizers/bpe-tokenizer.js';
import { Llama2cTokenizer } from '../tokenizers/llama2c-tokenizer.js';
import type { EncodeOptions, TokenTextDecoder, Tokenizer, TokenizerKind } from './tokenizer.js';

/**
 * Read a tokenizer file of the given kind and adapt it to the runtime's
 * {@link Tokenizer} interface.
 *
 * For `llama2c`, decoding follows llama2.c's `run` byte for byte: a piece's
 * leading space is dropped after BOS, `<0xNN>` pieces become single bytes,
 * and lone bytes that `safe_printf` would skip (control codes, bytes >= 0x80)
 * produce no text. For `bpe` ({@link BpeTokenizer}, `tokenizer.json`),
 * decoding gives back the exact bytes that were encoded.
 *
 * @param kind - the manifest's `tokenizer.kind`
 * @param bytes - the tokenizer file
 * @param vocabSize - the model's vocabulary size; the file must match it
 * @throws TinyEdgeError `E_TOKENIZER_FORMAT` / `E_TOKENIZER_MISMATCH` from the reader
 * @throws TinyEdgeError `E_MODEL_UNSUPPORTED` for an unknown kind
 * @example
 * ```ts
 * const tokenizer = createTokenizer('llama2c', await readFile('tokenizer.bin'), 512);
 * tokenizer.encode('Hello'); // [1, ...]
 * ```
 */
export function createTokenizer(kind: TokenizerKind, bytes: Uint8Array, vocabSize: number): Tokenizer {
  if (kind === 'llama2c') return new Llama2cAdapter(Llama2cTokenizer.fromBytes(bytes, vocabSize));
  if (kind === 'bpe') {
    const tok = BpeTokenizer.fromBytes(bytes);
    if (tok.vocabSize !== vocabSize) {
      throw new TinyEdgeError('E_TOKENIZER_MISMATCH', `the BPE tokenizer has ${tok.vocabSize} ids, the model's vocabulary has ${vocabSize}`, 'Use the tokenizer.json the model was trained with.');
    }
    return tok;
  }
  throw new TinyEdgeError('E_MODEL_UNSUPPORTED', `unknown tokenizer kind "${String(kind)}"`, 'This tinyedge reads tokenizer kinds "llama2c" and "bpe"; upgrade tinyedge or rebuild the bundle.');
}

class Llama2cAdapter implements Tokenizer {
  readonly kind = 'llama2c' as const;
  readonly vocabSize: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly #tok: Llama2cTokenizer;

  constructor(tok: Llama2cTokenizer) {
    this.#tok = tok;
    this.vocabSize = tok.vocabSize;
    this.bosId = tok.bosId;
    this.eosId = tok.eosId;
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    return this.#tok.encode(text, { bos: options.bos ?? true, eos: options.eos ?? false });
  }

  createDecoder(previous: number = this.bosId): TokenTextDecoder {
    return new Llama2cTextDecoder(this.#tok, previous);
  }

  tokenBytes(id: number): Uint8Array | null {
    if (id === this.bosId || id === this.eosId) return null;
    // What run.c prints for the piece after any token but BOS.
    return this.#tok.printable(this.#tok.decodePiece(-1, id));
  }
}

/**
 * The text of every piece that is plain ASCII (what most tokens are), decoded
 * once per tokenizer: the streaming decoder then skips byte handling for them.
 * `null` where a piece needs the byte path (byte tokens, non-ASCII, dropped
 * control bytes, a leading space that BOS would strip).
 */
const asciiPieces = new WeakMap<Llama2cTokenizer, (string | null)[]>();

function asciiTable(tok: Llama2cTokenizer): (string | null)[] {
  let table = asciiPieces.get(tok);
  if (!table) {
    table = Array.from({ length: tok.vocabSize }, (_, id) => {
      const bytes = tok.printable(tok.decodePiece(-1, id));
      if (bytes.length === 0 || bytes.some((b) => b >= 0x80)) return null;
      return String.fromCharCode(...bytes);
    });
    asciiPieces.set(tok, table);
  }
  return table;
}

class Llama2cTextDecoder implements TokenTextDecoder {
  readonly #tok: Llama2cTokenizer;
  readonly #ascii: (string | null)[];
  readonly #utf8 = new TextDecoder('utf-8');
  #previous: number;
  /** Continuation bytes the last character still waits for; > 0 means text is held back. */
  #need = 0;

  constructor(tok: Llama2cTokenizer, previous: number) {
    this.#tok = tok;
    this.#ascii = asciiTable(tok);
    this.#previous = previous;
  }

  /** True while the bytes pushed so far end inside a multi-byte character. */
  get holding(): boolean {
    return this.#need > 0;
  }

  push(tokenId: number): string {
    const fast = this.#need === 0 && this.#previous !== this.#tok.bosId ? this.#ascii[tokenId] : null;
    if (typeof fast === 'string') {
      this.#previous = tokenId;
      return fast;
    }
    const bytes = this.#tok.printable(this.#tok.decodePiece(this.#previous, tokenId));
    this.#previous = tokenId;
    for (const b of bytes) {
      if (this.#need > 0 && (b & 0xc0) === 0x80) this.#need--;
      else this.#need = b >= 0xf0 && b < 0xf8 ? 3 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xc0 && b < 0xe0 ? 1 : 0;
    }
    return bytes.length === 0 ? '' : this.#utf8.decode(bytes, { stream: true });
  }

  flush(): string {
    this.#need = 0;
    return this.#utf8.decode();
  }
}
