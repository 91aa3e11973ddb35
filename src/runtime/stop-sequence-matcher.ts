/** What {@link StopSequenceMatcher.push} hands back for one piece. */
export interface StopMatch {
  /** Text that is safe to show now; never contains a stop string or the start of one that may still complete. */
  text: string;
  /** True once a stop string has been seen; generation should end. */
  stopped: boolean;
}

/**
 * Finds stop strings in streamed text. Pieces arrive one token at a time and a
 * stop string may straddle several of them, so the matcher holds back the
 * longest tail that could still grow into a stop string and releases it once
 * it cannot. The stop string itself, and anything after it, is never emitted.
 *
 * @example
 * ```ts
 * const stops = new StopSequenceMatcher(['\nUser:']);
 * for (const piece of ['Hi', '\nUs', 'er:', ' more']) {
 *   const { text, stopped } = stops.push(piece); // 'Hi', '', '' (stopped)
 *   process.stdout.write(text);
 *   if (stopped) break;
 * }
 * process.stdout.write(stops.flush()); // '' after a stop; the held tail otherwise
 * ```
 */
export class StopSequenceMatcher {
  readonly #stops: readonly string[];
  #held = '';
  #matched: string | null = null;

  /**
   * @param stops - stop strings; an empty list lets every piece through at once
   * @throws TypeError when a stop is not a string
   * @throws RangeError when a stop is the empty string
   */
  constructor(stops: readonly string[] = []) {
    for (const [i, s] of stops.entries()) {
      if (typeof s !== 'string') throw new TypeError(`stop[${i}] must be a string, found ${typeof s}`);
      if (s.length === 0) throw new RangeError(`stop[${i}] must not be empty`);
    }
    this.#stops = [...stops];
  }

  /** The stop string that ended the stream, or `null` while none has. */
  get matched(): string | null {
    return this.#matched;
  }

  /** True once a stop string has been seen. */
  get stopped(): boolean {
    return this.#matched !== null;
  }

  /**
   * Feed the next piece of text.
   *
   * @param piece - decoded text of the next token(s)
   * @returns the text to emit now and whether a stop string was hit; after a stop, always `{ text: '', stopped: true }`
   */
  push(piece: string): StopMatch {
    if (this.#matched !== null) return { text: '', stopped: true };
    if (this.#stops.length === 0) return { text: piece, stopped: false };
    const buffer = this.#held + piece;
    let at = -1;
    for (const stop of this.#stops) {
      // Earliest match wins: text before it is all the caller should see.
      const i = buffer.indexOf(stop);
      if (i >= 0 && (at < 0 || i < at)) {
        at = i;
        this.#matched = stop;
      }
    }
    if (at >= 0) {
      this.#held = '';
      return { text: buffer.slice(0, at), stopped: true };
    }
    const keep = this.#partialTail(buffer);
    this.#held = buffer.slice(buffer.length - keep);
    return { text: buffer.slice(0, buffer.length - keep), stopped: false };
  }

  /**
   * End of stream: release the text held back as a possible stop start.
   *
   * @returns the held tail, or `''` after a stop
   */
  flush(): string {
    const out = this.#matched === null ? this.#held : '';
    this.#held = '';
    return out;
  }

  /** Length of the longest tail of `buffer` that is a proper prefix of some stop string. */
  #partialTail(buffer: string): number {
    let best = 0;
    for (const stop of this.#stops) {
      const max = Math.min(stop.length - 1, buffer.length);
      for (let len = max; len > best; len--) {
        if (buffer.endsWith(stop.slice(0, len))) {
          best = len;
          break;
        }
      }
    }
    return best;
  }
}
