import { performance } from 'node:perf_hooks';
import { TinyEdgeError } from '../errors.js';
import type { BundleManifest } from './bundle-manifest.js';
import { checkGenerateOptions } from './generate-options.js';
import type { GenerateOptions } from './generate-options.js';
import type { BudgetMonitor, BudgetStopReason, GenerationBudget } from './generation-budget.js';
import { Generation } from './generation.js';
import type { GenerationPiece, GenerationSink, GenerationStats } from './generation.js';
import type { InferenceHost } from './inference-host.js';
import type { InferenceBackend } from './portable/choose-runner-backend.js';
import type { ModelEvents } from './model-events.js';
import { TypedEmitter } from './typed-emitter.js';
import type { Listener } from './typed-emitter.js';
import type { WireResult } from './worker-protocol.js';

/** Worker epoch milliseconds to this thread's `performance.now()` clock. */
const toLocalClock = (epochMs: number): number => epochMs - performance.timeOrigin;

/**
 * A loaded model bundle whose interpreter lives in the inference worker.
 * Get one from `loadModel`; generations on one model run one at a time, in
 * call order. `close()` frees the interpreter; an idle model never keeps the
 * process alive.
 *
 * Events (`inference:start`, `token`, `inference:end`) let other modules
 * follow inference without touching it; power metering hooks in here.
 *
 * @example
 * ```ts
 * await using model = await loadModel('./bundles/tiny');
 * model.on('inference:end', (e) => console.log(e.generatedTokens, 'tokens in', e.durationMs, 'ms'));
 * for await (const piece of model.generate('Once upon a time', { maxTokens: 64, temperature: 0 })) {
 *   process.stdout.write(piece.text);
 * }
 * ```
 */
export class Model {
  /** The bundle's manifest name. */
  readonly name: string;
  /** The bundle's validated manifest. */
  readonly manifest: BundleManifest;
  /** The bundle directory it was loaded from. */
  readonly dir: string;
  /** Tokens one sequence may hold, prompt and output together. */
  readonly contextLength: number;
  /** How long `loadModel` took: reading, hash checks and interpreter creation, ms. */
  readonly loadMs: number;
  /** The backend running the model: `native` (TFLite library), `portable` (WebAssembly) or `fake` (tests). */
  readonly backend: InferenceBackend;
  readonly #host: InferenceHost;
  readonly #slot: number;
  readonly #events = new TypedEmitter<ModelEvents>();
  readonly #active = new Map<number, (error: TinyEdgeError) => void>();
  #budgetMonitor: BudgetMonitor | null = null;
  #closed = false;

  /**
   * @internal
   */
  constructor(init: { host: InferenceHost; slot: number; manifest: BundleManifest; dir: string; loadMs: number; backend?: InferenceBackend }) {
    this.#host = init.host;
    this.#slot = init.slot;
    this.manifest = init.manifest;
    this.name = init.manifest.name;
    this.dir = init.dir;
    this.contextLength = init.manifest.contextLength;
    this.loadMs = init.loadMs;
    this.backend = init.backend ?? 'native';
  }

  /** True once {@link Model.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Listen to an event.
   *
   * @returns a function that removes the listener
   */
  on<K extends keyof ModelEvents>(event: K, listener: Listener<ModelEvents, K>): () => void {
    return this.#events.on(event, listener);
  }

  /**
   * Listen to the next occurrence of an event only.
   *
   * @returns a function that removes the listener before it fires
   */
  once<K extends keyof ModelEvents>(event: K, listener: Listener<ModelEvents, K>): () => void {
    return this.#events.once(event, listener);
  }

  /** Remove a listener. */
  off<K extends keyof ModelEvents>(event: K, listener: Listener<ModelEvents, K>): void {
    this.#events.off(event, listener);
  }

  /**
   * Let `monitor` enforce the `budget` option of later generations. A power
   * meter (`sampler.meter(model)`) calls this for you; the last monitor set wins.
   *
   * @returns a function that removes the monitor (if it is still the one set)
   */
  useBudgetMonitor(monitor: BudgetMonitor): () => void {
    if (typeof monitor?.watch !== 'function') throw new TypeError('monitor must have a watch() method');
    this.#budgetMonitor = monitor;
    return () => {
      if (this.#budgetMonitor === monitor) this.#budgetMonitor = null;
    };
  }

  /**
   * Generate text after `prompt`, as llama2.c's `run` does: BOS, the prompt
   * fed token by token, then sampled tokens until BOS/EOS, a stop string, a
   * limit, the end of the context or an abort.
   *
   * @param prompt - the prompt text; `''` starts from BOS alone
   * @param options - limits, sampling, stop strings, signal; see {@link GenerateOptions}
   * @returns a {@link Generation}: async-iterate it for pieces, await `result` for the text and stats.
   *   `result` rejects with `E_CONTEXT_OVERFLOW` when the prompt does not fit the context,
   *   `E_CLOSED` when the model is closed meanwhile, `E_INFERENCE` when the interpreter fails.
   * @throws TypeError / RangeError for a bad prompt or option, or a `budget` with no power meter attached
   * @throws TinyEdgeError `E_CLOSED` when the model was closed
   * @example
   * ```ts
   * const { text, stats } = await model.generate('Hello', { maxTokens: 16, temperature: 0 }).result;
   * ```
   */
  generate(prompt: string, options: GenerateOptions = {}): Generation {
    if (typeof prompt !== 'string') throw new TypeError(`prompt must be a string, found ${typeof prompt}`);
    const wire = checkGenerateOptions(options);
    const budget = options.budget === undefined ? undefined : { budget: options.budget, monitor: this.#budgetMonitor };
    if (budget !== undefined && budget.monitor === null) {
      throw new TypeError('a budget needs a power meter on the model: call sampler.meter(model) first');
    }
    if (this.#closed) throw closedError(this.name);
    const signal = options.signal;
    let stopEarly = (): void => undefined;
    return new Generation(
      (sink) => {
        stopEarly = this.#start(prompt, wire, sink, signal, budget as Budgeted | undefined);
      },
      () => stopEarly(),
    );
  }

  /**
   * Free the model's interpreter. Generations still running or queued fail
   * with `E_CLOSED`. Closing twice is harmless.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const error = closedError(this.name);
    for (const fail of [...this.#active.values()]) fail(error);
    await this.#host.unload(this.#slot);
  }

  /** Same as {@link Model.close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Send one request; returns a function that stops it. */
  #start(prompt: string, wire: ReturnType<typeof checkGenerateOptions>, sink: GenerationSink, signal: AbortSignal | undefined, budget: Budgeted | undefined): () => void {
    const model = this.name;
    const host = this.#host;
    const text: string[] = [];
    const tokens: number[] = [];
    let promptTokens = 0;
    let startedAt: number | null = null;
    let settled = false;
    let id = 0;
    let budgetStop: BudgetStopReason | null = null;
    let unwatch = (): void => undefined;

    const settle = (): void => {
      settled = true;
      this.#active.delete(id);
      signal?.removeEventListener('abort', onAbort);
      unwatch();
    };
    const endAborted = (): void => {
      // Not started yet: settle here; the worker skips it when its turn comes.
      settle();
      host.abort(id);
      host.forget(id);
      sink.finish({ text: '', tokens: [], stopReason: budgetStop ?? 'aborted', stats: this.#stats(emptyResult(promptTokens)) });
    };
    const fail = (error: Error): void => {
      if (settled) return;
      settle();
      host.forget(id);
      if (startedAt !== null) {
        this.#events.emit('inference:end', {
          requestId: id, model, stopReason: 'error', promptTokens, generatedTokens: tokens.length,
          durationMs: performance.now() - startedAt, inferMs: 0, at: performance.now(),
          error: error instanceof TinyEdgeError ? error : new TinyEdgeError('E_INFERENCE', error.message, 'Load the model again.', { cause: error }),
        });
      }
      sink.fail(error);
    };
    const stop = (): void => {
      if (settled) return;
      if (startedAt === null) endAborted();
      else host.abort(id);
    };
    const onAbort = (): void => stop();

    if (signal?.aborted) {
      sink.finish({ text: '', tokens: [], stopReason: 'aborted', stats: this.#stats(emptyResult(0)) });
      return () => undefined;
    }
    try {
      id = host.generate(this.#slot, prompt, wire, {
        started: (ids, pieces, at) => {
          if (settled) return;
          promptTokens = ids.length;
          startedAt = toLocalClock(at);
          sink.prompt({ tokens: ids, text: pieces.join(''), pieces });
          this.#events.emit('inference:start', { requestId: id, model, promptTokens, at: startedAt });
        },
        pieces: (pieces) => {
          if (settled) return;
          const out: GenerationPiece[] = [];
          for (const p of pieces) {
            const index = tokens.length;
            tokens.push(p.tokenId);
            text.push(p.text);
            out.push({ text: p.text, tokenId: p.tokenId });
            this.#events.emit('token', { requestId: id, model, tokenId: p.tokenId, text: p.text, index, at: toLocalClock(p.at) });
          }
          sink.pieces(out);
        },
        finished: (result, at) => {
          if (settled) return;
          settle();
          const stats = this.#stats(result);
          const end = toLocalClock(at);
          // A budget stops a generation by aborting it; report why.
          const stopReason = budgetStop !== null && result.stopReason === 'aborted' ? budgetStop : result.stopReason;
          this.#events.emit('inference:end', {
            requestId: id, model, stopReason, promptTokens: result.promptTokens,
            generatedTokens: result.generatedTokens, durationMs: end - (startedAt ?? end), inferMs: result.inferMs, at: end, stats,
          });
          sink.finish({ text: text.join(''), tokens, stopReason, stats });
        },
        failed: fail,
      });
    } catch (err) {
      sink.fail(err as Error);
      return () => undefined;
    }
    this.#active.set(id, fail);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (budget !== undefined) {
      unwatch = budget.monitor.watch(id, budget.budget, (reason) => {
        if (settled || budgetStop !== null) return;
        budgetStop = reason;
        stop();
      });
    }
    return stop;
  }

  #stats(result: WireResult): GenerationStats {
    return {
      promptTokens: result.promptTokens,
      generatedTokens: result.generatedTokens,
      timeToFirstTokenMs: result.timeToFirstTokenMs,
      tokensPerSecond: result.tokensPerSecond,
      loadMs: this.loadMs,
      backend: this.backend,
      inferMs: result.inferMs,
      outsideInferFraction: result.outsideInferFraction,
    };
  }
}

/** A generation's budget and the monitor that enforces it. */
interface Budgeted {
  budget: GenerationBudget;
  monitor: BudgetMonitor;
}

function emptyResult(promptTokens: number): WireResult {
  return {
    stopReason: 'aborted', promptTokens, generatedTokens: 0, timeToFirstTokenMs: 0,
    tokensPerSecond: 0, inferMs: 0, totalMs: 0, outsideInferFraction: 0,
  };
}

function closedError(name: string): TinyEdgeError {
  return new TinyEdgeError('E_CLOSED', `model "${name}" is closed`, 'Load the model again with loadModel().');
}
