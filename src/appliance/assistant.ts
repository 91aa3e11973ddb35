import { performance } from 'node:perf_hooks';
import { TinyEdgeError } from '../errors.js';
import type { InferenceEnergyReport } from '../power/energy-meter.js';
import type { Model } from '../runtime/model.js';
import { APPLIANCE_INTENTS, parseAction } from './action.js';
import type { ApplianceAction } from './action.js';
import { APPLIANCE_ACTION_GRAMMAR, buildActionGrammar } from './action-grammar.js';
import { nameCandidates } from './name-candidates.js';
import { numberCandidates } from './number-candidates.js';
import { composeReply } from './reply.js';

/** Anything that reports the energy of a model's inferences: an `EnergyMeter` from `sampler.meter(model)`. */
export interface EnergyReportSource {
  /** Subscribe to reports; returns a function that unsubscribes. */
  on(event: 'report', listener: (report: InferenceEnergyReport) => void): () => void;
}

/** Options of {@link createAssistant}. */
export interface AssistantOptions {
  /** The appliance model, e.g. `await loadModel('appliance')`; the assistant uses it but does not close it. */
  model: Model;
  /**
   * A power meter on the same model (`sampler.meter(model)`). With one, every
   * response carries its request's energy report; `handle` then also waits for
   * that report (one power sample after the inference, at most
   * `energyTimeoutMs`). Default none.
   */
  meter?: EnergyReportSource;
  /** How long to wait for the energy report, ms. Default 1000. */
  energyTimeoutMs?: number;
  /** Most tokens one action may take, >= 21 (the shortest action). Default: whatever the context leaves. */
  maxTokens?: number;
  /**
   * Where names (`name`, `item`, `label`, `dish`, `ingredients`) come from:
   * `request` (default) allows only words of the request, lower case, the
   * last word made singular (`nameCandidates`), as the contract has them, so
   * a food the model never saw in training is copied instead of replaced by
   * one it knows; `any` allows any valid name (one grammar for all requests).
   * A request with no word, or so long that it gives more than
   * {@link MAX_NAME_CANDIDATES} candidates, falls back to `any`.
   */
  names?: 'request' | 'any';
  /**
   * Where `quantity`, `seconds` and `celsius` values come from: `request`
   * (default) allows only the numbers the request says, with Fahrenheit
   * converted, units of time multiplied out, and "and a half" and "dozen"
   * applied (`numberCandidates`), so the model chooses a number instead of
   * writing one; `any` allows any number. A request that says no number
   * cannot be a `temperature.set`; one that says no amount, or no unit of
   * time, leaves `quantity`, or `seconds`, free.
   */
  numbers?: 'request' | 'any';
}

/**
 * Most name candidates a request's grammar holds (a typical request gives
 * 20-30); beyond it the grammar would take long to compile, and the request
 * is far longer than anything the model was trained on.
 */
export const MAX_NAME_CANDIDATES = 256;

/** Options of {@link Assistant.handle}. */
export interface HandleOptions {
  /** Aborting rejects `handle` with `E_ABORTED` within one token. */
  signal?: AbortSignal;
}

/** Timings and counts of one request. */
export interface AssistantStats {
  /** From the `handle` call to the parsed action and its reply, ms (waiting for energy excluded). */
  timeToActionMs: number;
  /** Prompt tokens, BOS included. */
  promptTokens: number;
  /** Tokens of the action text, its newline included. */
  generatedTokens: number;
  /** From the request reaching the worker to the first action token, ms. */
  timeToFirstTokenMs: number;
  /** Decode rate of the action, tokens per second. */
  tokensPerSecond: number;
  /** Time inside the interpreter, ms. */
  inferMs: number;
}

/** What {@link Assistant.handle} returns. */
export interface AssistantResponse {
  /** The action, valid under the contract (constrained decoding guarantees it). */
  action: ApplianceAction;
  /** A short text for the appliance's screen; it never leaves the device. */
  reply: string;
  /** Timings and counts. */
  stats: AssistantStats;
  /** With a `meter`: this request's energy, or null when the report did not come in time. Absent without a meter. */
  energy?: InferenceEnergyReport | null;
}

/**
 * Turns requests to the appliance into actions and replies. Get one from
 * {@link createAssistant}.
 */
export interface Assistant {
  /** The model it runs. */
  readonly model: Model;
  /**
   * Turn one request into an action and a reply. The model writes the action
   * under the contract's grammar (greedy), so it always parses and validates;
   * names come from the request's words unless the assistant was made with
   * `names: 'any'`.
   *
   * @param text - what the user said or typed; white space is collapsed
   * @param options - a signal to abort
   * @throws TypeError when `text` is not a string
   * @throws TinyEdgeError `E_ABORTED` when aborted, `E_CONTEXT_OVERFLOW` when the request is too long
   *   for the model's context, `E_CLOSED` when the model is closed, `E_INFERENCE` when the interpreter fails
   */
  handle(text: string, options?: HandleOptions): Promise<AssistantResponse>;
}

/**
 * The prompt the appliance model was trained on for a request: the request
 * on one line (white space collapsed to single spaces), then a newline, after
 * which the model writes the action.
 *
 * @param text - the request
 * @returns the prompt
 * @example
 * ```ts
 * requestPrompt('  add   milk\n'); // 'add milk\n'
 * ```
 */
export function requestPrompt(text: string): string {
  return `${text.replace(/\s+/gu, ' ').trim()}\n`;
}

/**
 * Create the appliance assistant over a loaded model.
 *
 * @param options - the model, and optionally a power meter; see {@link AssistantOptions}
 * @returns an {@link Assistant}
 * @throws TypeError / RangeError for a bad option
 * @example
 * ```ts
 * const model = await loadModel('appliance');
 * const assistant = createAssistant({ model });
 * const { action, reply } = await assistant.handle('add two litres of milk');
 * // action: { intent: 'shopping.add', items: [{ name: 'milk', quantity: 2, unit: 'l' }] }
 * ```
 */
export function createAssistant(options: AssistantOptions): Assistant {
  if (typeof options !== 'object' || options === null) throw new TypeError('createAssistant needs { model }');
  const { model, meter, energyTimeoutMs = 1000, maxTokens, names = 'request', numbers = 'request' } = options;
  if (typeof model?.generate !== 'function' || typeof model.on !== 'function') throw new TypeError('model must be a loaded Model (loadModel)');
  if (meter !== undefined && typeof meter?.on !== 'function') throw new TypeError('meter must be an energy meter (sampler.meter(model))');
  if (!Number.isFinite(energyTimeoutMs) || energyTimeoutMs < 0) throw new RangeError(`energyTimeoutMs must be a number >= 0, found ${String(energyTimeoutMs)}`);
  if (names !== 'request' && names !== 'any') throw new RangeError(`names must be 'request' or 'any', found ${JSON.stringify(names)}`);
  if (numbers !== 'request' && numbers !== 'any') throw new RangeError(`numbers must be 'request' or 'any', found ${JSON.stringify(numbers)}`);
  if (maxTokens !== undefined && (!Number.isSafeInteger(maxTokens) || maxTokens < 21)) {
    throw new RangeError(`maxTokens must be an integer >= 21 (the shortest action), found ${String(maxTokens)}`);
  }

  async function handle(text: string, handleOptions: HandleOptions = {}): Promise<AssistantResponse> {
    const t0 = performance.now();
    if (typeof text !== 'string') throw new TypeError(`text must be a string, found ${typeof text}`);
    const { signal } = handleOptions;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError('signal must be an AbortSignal');
    const energy = meter === undefined ? undefined : energyOfNextRequest(model, meter, energyTimeoutMs);
    try {
      const candidates = names === 'request' ? nameCandidates(text) : [];
      const copy = candidates.length > 0 && candidates.length <= MAX_NAME_CANDIDATES;
      const said = numbers === 'request' ? numberCandidates(text) : undefined;
      // A temperature.set carries a temperature the request says; with none said, it cannot be the reading.
      const intents = said?.celsius.length === 0 ? APPLIANCE_INTENTS.filter((i) => i !== 'temperature.set') : APPLIANCE_INTENTS;
      const generation = model.generate(requestPrompt(text), {
        constraint: copy || said ? buildActionGrammar({ ...(copy ? { names: candidates } : {}), ...(said ? { numbers: said, intents } : {}) }) : APPLIANCE_ACTION_GRAMMAR,
        temperature: 0,
        ...(maxTokens === undefined ? {} : { maxTokens }),
        ...(signal === undefined ? {} : { signal }),
      });
      void generation.prompt.then(() => energy?.started(), () => undefined);
      const result = await generation.result;
      if (result.stopReason === 'aborted') throw new TinyEdgeError('E_ABORTED', 'the request was aborted', 'Nothing was done; send the request again.');
      const action = parseAction(result.text);
      const reply = composeReply(action);
      const s = result.stats;
      const stats: AssistantStats = {
        timeToActionMs: performance.now() - t0,
        promptTokens: s.promptTokens,
        generatedTokens: s.generatedTokens,
        timeToFirstTokenMs: s.timeToFirstTokenMs,
        tokensPerSecond: s.tokensPerSecond,
        inferMs: s.inferMs,
      };
      if (energy === undefined) return { action, reply, stats };
      energy.ended();
      return { action, reply, stats, energy: await energy.report };
    } finally {
      energy?.ended();
    }
  }

  return Object.freeze({ model, handle });
}

/**
 * Catch the energy report of the next generation on `model`: its request id
 * is the one `inference:start` announces just before the generation's
 * `prompt` promise settles (both happen in one turn of the event loop).
 */
function energyOfNextRequest(model: Model, meter: EnergyReportSource, timeoutMs: number) {
  let lastStarted: number | null = null;
  let ours: number | null = null;
  const early: InferenceEnergyReport[] = [];
  let resolve!: (report: InferenceEnergyReport | null) => void;
  const report = new Promise<InferenceEnergyReport | null>((r) => (resolve = r));
  let timer: NodeJS.Timeout | undefined;
  let done = false;
  const offStart = model.on('inference:start', (e) => void (lastStarted = e.requestId));
  const offReport = meter.on('report', (r) => {
    if (ours === null) early.push(r);
    else if (r.requestId === ours) finish(r);
  });
  const finish = (r: InferenceEnergyReport | null): void => {
    if (done) return;
    done = true;
    offStart();
    offReport();
    if (timer !== undefined) clearTimeout(timer);
    resolve(r);
  };
  return {
    report,
    started(): void {
      ours = lastStarted;
      offStart();
      const found = early.find((r) => r.requestId === ours);
      if (found !== undefined) finish(found);
    },
    /** The generation is over (or failed): wait for its report at most `timeoutMs` more. Idempotent. */
    ended(): void {
      if (done) return;
      if (ours === null) finish(null);
      else if (timer === undefined) {
        timer = setTimeout(() => finish(null), timeoutMs);
        timer.unref();
      }
    },
  };
}
