import { TinyEdgeError } from '../errors.js';
import type { InferenceBackend } from './portable/choose-runner-backend.js';

/**
 * Why a generation ended: a token limit, BOS/EOS, a stop string, an abort, a full context, or a
 * budget (`energyBudget`, `thermalBudget`: see `GenerateOptions.budget`).
 */
export type StopReason = 'maxTokens' | 'eos' | 'stop' | 'aborted' | 'contextFull' | 'energyBudget' | 'thermalBudget';

/** One generated token and the text it adds. */
export interface GenerationPiece {
  /** Text released by this token; `''` while a stop string or a multi-byte character is still incomplete. */
  text: string;
  /** The token id. */
  tokenId: number;
}

/** Timings and counts of one generation. */
export interface GenerationStats {
  /** Prompt tokens, BOS included. */
  promptTokens: number;
  /** Tokens generated (BOS/EOS not counted). */
  generatedTokens: number;
  /** From the start of the request in the worker (prompt encoding and prefill included) to the first sampled token, ms. */
  timeToFirstTokenMs: number;
  /** Decode rate: tokens after the first per second of decoding; over the whole request when fewer than 2 tokens. */
  tokensPerSecond: number;
  /** How long `loadModel` took for this model, ms. */
  loadMs: number;
  /** The backend that ran it: `native`, `portable` or `fake` (see `LoadModelOptions.backend`). */
  backend: InferenceBackend;
  /** Total time inside the interpreter's `infer()` for this request, prefill included, ms. */
  inferMs: number;
  /** Share of the request's time spent outside `infer()` (sampling, copies, messages), 0..1. */
  outsideInferFraction: number;
}

/** The outcome of `Model.generate`. */
export interface GenerationResult {
  /** The generated text (the prompt not included), without any stop string. */
  text: string;
  /** Generated token ids, in order. */
  tokens: number[];
  /** Why generation ended. */
  stopReason: StopReason;
  /** Timings and counts. */
  stats: GenerationStats;
}

/** The prompt as the model saw it. */
export interface PromptInfo {
  /** Token ids, BOS first. */
  tokens: number[];
  /** The prompt as llama2.c's `run` prints it: decoded from the tokens after BOS. */
  text: string;
  /** `text` token by token: `pieces[i]` is what the token at `tokens[i + 1]` prints. */
  pieces: string[];
}

/**
 * The producer side of a {@link Generation}.
 *
 * @internal
 */
export interface GenerationSink {
  prompt(info: PromptInfo): void;
  pieces(pieces: readonly GenerationPiece[]): void;
  finish(result: GenerationResult): void;
  fail(error: Error): void;
}

/**
 * A running generation: iterate it for pieces as they are produced, or await
 * `result` for the whole text and stats; both work together. Pieces are kept,
 * so iterating late (or twice) still sees every piece from the first.
 * Leaving a `for await` loop early (`break`, `return`, an exception) stops the
 * generation, as if its signal were aborted.
 *
 * @example
 * ```ts
 * const generation = model.generate('Once upon a time', { maxTokens: 32, temperature: 0 });
 * for await (const piece of generation) process.stdout.write(piece.text);
 * const { stats } = await generation.result;
 * console.log(`${stats.tokensPerSecond.toFixed(1)} tok/s`);
 * ```
 */
export class Generation implements AsyncIterable<GenerationPiece> {
  /** Resolves when generation ends (also when aborted); rejects with a TinyEdgeError on failure. */
  readonly result: Promise<GenerationResult>;
  /**
   * Resolves once the prompt is encoded and accepted; rejects like `result` (e.g. `E_CONTEXT_OVERFLOW`),
   * or with `E_ABORTED` when the generation was aborted before it started.
   */
  readonly prompt: Promise<PromptInfo>;
  readonly #pieces: GenerationPiece[] = [];
  #ended = false;
  #error: Error | null = null;
  #wake: Array<() => void> = [];
  readonly #stop: () => void;

  /**
   * @param start - called at once with the sink that feeds this generation
   * @param stop - asks the producer to stop early
   * @internal
   */
  constructor(start: (sink: GenerationSink) => void, stop: () => void) {
    this.#stop = stop;
    let resolveResult!: (r: GenerationResult) => void;
    let rejectResult!: (e: Error) => void;
    let resolvePrompt!: (p: PromptInfo) => void;
    let rejectPrompt!: (e: Error) => void;
    this.result = new Promise((res, rej) => {
      resolveResult = res;
      rejectResult = rej;
    });
    this.prompt = new Promise((res, rej) => {
      resolvePrompt = res;
      rejectPrompt = rej;
    });
    // A caller who only iterates must not get an unhandled rejection from the promises it ignores.
    this.result.catch(() => undefined);
    this.prompt.catch(() => undefined);
    start({
      prompt: (info) => resolvePrompt(info),
      pieces: (pieces) => {
        if (this.#ended) return;
        this.#pieces.push(...pieces);
        this.#notify();
      },
      finish: (result) => {
        if (this.#ended) return;
        this.#ended = true;
        // Only an abort ends a generation before its prompt was accepted.
        rejectPrompt(new TinyEdgeError('E_ABORTED', 'the generation was aborted before its prompt was processed', 'Await `result` instead to see how a generation ended.'));
        resolveResult(result);
        this.#notify();
      },
      fail: (error) => {
        if (this.#ended) return;
        this.#ended = true;
        this.#error = error;
        rejectPrompt(error);
        rejectResult(error);
        this.#notify();
      },
    });
  }

  /** Pieces in order; throws the generation's error after the last piece received. */
  [Symbol.asyncIterator](): AsyncIterator<GenerationPiece> {
    let next = 0;
    let left = false;
    return {
      next: async (): Promise<IteratorResult<GenerationPiece>> => {
        for (;;) {
          if (left) return { value: undefined, done: true };
          const piece = this.#pieces[next];
          if (piece !== undefined) {
            next++;
            return { value: piece, done: false };
          }
          if (this.#error !== null) throw this.#error;
          if (this.#ended) return { value: undefined, done: true };
          await new Promise<void>((wake) => this.#wake.push(wake));
        }
      },
      return: async (): Promise<IteratorResult<GenerationPiece>> => {
        left = true;
        if (!this.#ended) this.#stop();
        return { value: undefined, done: true };
      },
    };
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = [];
    for (const w of wake) w();
  }
}
