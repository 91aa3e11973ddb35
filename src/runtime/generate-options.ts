import { checkByteGrammar, isCheckedGrammar } from './byte-grammar.js';
import type { ByteGrammar } from './byte-grammar.js';
import type { GenerationBudget } from './generation-budget.js';
import { Sampler } from './sampler.js';
import { StopSequenceMatcher } from './stop-sequence-matcher.js';
import type { WorkerGenerateOptions } from './worker-protocol.js';

/**
 * Options of `Model.generate`. The sampling defaults are llama2.c `run`'s
 * (temperature 1, top-p 0.9); pass `temperature: 0` for greedy decoding.
 */
export interface GenerateOptions {
  /** Most tokens to generate (prompt excluded), an integer >= 1. Default: no limit besides EOS and the context. */
  maxTokens?: number;
  /**
   * llama2.c's `steps`: most positions to run, prompt (with BOS) included,
   * clamped to the context length, so at most `steps - promptTokens + 1`
   * tokens are generated. Default: no limit. With `maxTokens` too, the
   * tighter one wins.
   */
  steps?: number;
  /** Softmax temperature >= 0; 0 is greedy (argmax). Default 1. */
  temperature?: number;
  /** Sample only among the `topK` most likely tokens; 0 turns it off. Default 0. */
  topK?: number;
  /** Nucleus sampling mass in (0, 1]; 1 turns it off. Default 0.9. */
  topP?: number;
  /** Penalty > 0 for tokens already in the context; 1 turns it off. Default 1. */
  repetitionPenalty?: number;
  /** Sampler seed, a safe integer: the same seed, prompt and options give the same text. Default: random. */
  seed?: number;
  /** Strings that end the generation; the stop string and anything after it are not returned. Default none. */
  stop?: readonly string[];
  /** Aborting ends the generation within one token, with `stopReason: 'aborted'`. */
  signal?: AbortSignal;
  /**
   * Energy and temperature limits, enforced by a power meter attached to the model
   * (`sampler.meter(model)`); passing one ends the generation with `stopReason`
   * `energyBudget` or `thermalBudget`. Default none.
   */
  budget?: GenerationBudget;
  /**
   * Constrained decoding: the generated text must be a text of this grammar
   * (see {@link ByteGrammar}). At every step only tokens that can continue it
   * are sampled, EOS only once it is complete, and generation ends as soon as
   * nothing may follow; tokens are also kept to what `maxTokens` and the
   * context leave room to finish. Reuse one grammar object for many
   * generations: the worker keeps a grammar compiled once the same object
   * comes again, and compiles a fresh object each time. Default none.
   */
  constraint?: ByteGrammar;
}

/**
 * Check `options` and turn them into what the worker needs. Runs on the
 * caller's thread so a bad argument throws from `generate()` itself.
 *
 * @throws TypeError when an option has the wrong type
 * @throws RangeError when an option is out of range
 * @example
 * ```ts
 * const wire = checkGenerateOptions({ maxTokens: 32, temperature: 0 });
 * ```
 */
export function checkGenerateOptions(options: GenerateOptions): WorkerGenerateOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('generate options must be an object');
  for (const key of ['maxTokens', 'steps'] as const) {
    const v = options[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)) {
      throw new RangeError(`${key} must be an integer >= 1, found ${String(v)}`);
    }
  }
  if (options.stop !== undefined && !Array.isArray(options.stop)) throw new TypeError('stop must be an array of strings');
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) throw new TypeError('signal must be an AbortSignal');
  if (options.budget !== undefined) checkBudget(options.budget);
  const keepConstraint = options.constraint !== undefined && isCheckedGrammar(options.constraint);
  const constraintKey = options.constraint === undefined ? undefined : checkByteGrammar(options.constraint);
  const sampler = {
    temperature: options.temperature ?? 1,
    topK: options.topK ?? 0,
    topP: options.topP ?? 0.9,
    repetitionPenalty: options.repetitionPenalty ?? 1,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  };
  // Both constructors validate their options with the messages we want.
  new Sampler(sampler);
  const stop = [...(options.stop ?? [])];
  new StopSequenceMatcher(stop);
  return {
    ...(options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens }),
    ...(options.steps === undefined ? {} : { steps: options.steps }),
    sampler,
    stop,
    ...(constraintKey === undefined ? {} : { constraint: { grammar: options.constraint!, key: constraintKey, keep: keepConstraint } }),
  };
}

function checkBudget(budget: GenerationBudget): void {
  if (typeof budget !== 'object' || budget === null) throw new TypeError('budget must be an object: { joules?, celsius? }');
  const { joules, celsius } = budget;
  if (joules !== undefined && (typeof joules !== 'number' || !Number.isFinite(joules) || joules <= 0)) {
    throw new RangeError(`budget.joules must be a number > 0, found ${String(joules)}`);
  }
  if (celsius !== undefined && (typeof celsius !== 'number' || !Number.isFinite(celsius))) {
    throw new RangeError(`budget.celsius must be a finite number, found ${String(celsius)}`);
  }
  if (joules === undefined && celsius === undefined) throw new TypeError('budget needs joules, celsius or both');
}
