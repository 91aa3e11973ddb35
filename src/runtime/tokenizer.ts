/**
 * The runtime's view of a tokenizer. Every tokenizer kind a bundle may name
 * (`llama2c` today, a byte-level BPE later) is adapted to this shape, so the
 * decode loop never knows which one it drives.
 */

/** Tokenizer kinds a bundle's manifest may name: llama2.c's `tokenizer.bin`, or our byte-level BPE (`tokenizer.json`, {@link BpeTokenizer}). */
export type TokenizerKind = 'llama2c' | 'bpe';

/** Options for {@link Tokenizer.encode}. */
export interface EncodeOptions {
  /** Prepend the BOS token. Default `true`. */
  bos?: boolean;
  /** Append the EOS token. Default `false`. */
  eos?: boolean;
}

/**
 * Turns a stream of token ids back into text. Token pieces may hold partial
 * UTF-8 sequences (byte-fallback tokens), so text is released only once it is
 * complete; `flush()` releases whatever is left at the end of a stream.
 */
export interface TokenTextDecoder {
  /**
   * Decode the next token of the stream.
   *
   * @param tokenId - the token that follows the previously pushed one
   * @returns the text that became complete with this token; often `''` for byte tokens
   */
  push(tokenId: number): string;
  /** True while bytes of an incomplete character are held back (a later push or `flush()` releases them). */
  readonly holding: boolean;
  /** End of stream: the text still held back (a truncated UTF-8 sequence becomes U+FFFD). */
  flush(): string;
}

/**
 * Text to token ids and back.
 *
 * @example
 * ```ts
 * const ids = tokenizer.encode('Once upon a time'); // [bosId, ...]
 * const decoder = tokenizer.createDecoder(ids[0]);
 * const text = ids.slice(1).map((id) => decoder.push(id)).join('') + decoder.flush();
 * ```
 */
export interface Tokenizer {
  /** Which format this tokenizer was read from. */
  readonly kind: TokenizerKind;
  /** Number of token ids, `[0, vocabSize)`. */
  readonly vocabSize: number;
  /** Id of the beginning-of-sequence token. */
  readonly bosId: number;
  /** Id of the end-of-sequence token. */
  readonly eosId: number;
  /** Encode text to token ids. */
  encode(text: string, options?: EncodeOptions): number[];
  /**
   * Start a decoding stream.
   *
   * @param previous - the token before the first one to be pushed; it only
   *   shapes how the first piece is decoded and is never itself printed
   *   (llama2c drops a piece's leading space after BOS)
   */
  createDecoder(previous?: number): TokenTextDecoder;
  /**
   * Optional: the bytes token `id` adds to the decoded text when it follows
   * any token but BOS (possibly part of a multi-byte character), or `null`
   * for a token that adds no text of its own (BOS, EOS, other specials).
   * Constrained decoding (`GenerateOptions.constraint`) matches these bytes
   * against its grammar; without this method it falls back to the decoder
   * and cannot use pieces that end inside a character.
   */
  tokenBytes?(id: number): Uint8Array | null;
}
