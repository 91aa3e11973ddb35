import type { KvCacheDecoder } from './kv-cache-decoder.js';

/** What the generation loop needs of a decoder: one step at a time, and the time spent inside the interpreter. */
export interface DecodeStep {
  /** Positions a sequence may use. */
  readonly seqLen: number;
  /** Run `token` at `pos`; returns the logits (zeros when `wantLogits` is false), valid until the next step. */
  step(token: number, pos: number, wantLogits?: boolean): Float32Array;
  /** Milliseconds inside the interpreter since the last {@link DecodeStep.resetTimer}. */
  readonly inferMs: number;
  /** Zero {@link DecodeStep.inferMs}. */
  resetTimer(): void;
}

/**
 * Two interpreters of one model: `window`, whose cache holds only the first
 * rows of the context, runs positions below its length; `full` runs the rest.
 * On a tiny model with a long context, attending over (and copying) the
 * whole cache dominates a step, so early positions (most requests to an
 * appliance are short) run on the small one. When a sequence crosses the
 * edge, the rows written so far move to the full cache once.
 *
 * @example
 * ```ts
 * const decoder = new WindowedDecoder(new KvCacheDecoder(smallRunner, { ...config, seqLen: 128 }), new KvCacheDecoder(runner, config));
 * ```
 */
export class WindowedDecoder implements DecodeStep {
  readonly seqLen: number;
  readonly #window: KvCacheDecoder;
  readonly #full: KvCacheDecoder;
  /** True once this sequence's early rows are in the full cache. */
  #moved = false;

  /**
   * @param window - decoder of the model built with a shorter context
   * @param full - decoder of the model with its whole context
   * @throws RangeError when `window` is not shorter than `full`
   */
  constructor(window: KvCacheDecoder, full: KvCacheDecoder) {
    if (window.seqLen >= full.seqLen) throw new RangeError(`the window (${window.seqLen} rows) must be shorter than the context (${full.seqLen})`);
    this.#window = window;
    this.#full = full;
    this.seqLen = full.seqLen;
  }

  /** Rows the small interpreter serves. */
  get windowRows(): number {
    return this.#window.seqLen;
  }

  get inferMs(): number {
    return this.#window.inferMs + this.#full.inferMs;
  }

  resetTimer(): void {
    this.#window.resetTimer();
    this.#full.resetTimer();
  }

  step(token: number, pos: number, wantLogits = true): Float32Array {
    const rows = this.#window.seqLen;
    if (pos < rows) {
      // A new or rewound sequence: its rows live in the window again.
      this.#moved = false;
      return this.#window.step(token, pos, wantLogits);
    }
    if (!this.#moved) {
      this.#window.copyCacheRowsTo(this.#full, Math.min(pos, rows));
      this.#moved = true;
    }
    return this.#full.step(token, pos, wantLogits);
  }
}
