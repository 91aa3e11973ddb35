import { TinyEdgeError } from '../errors.js';
import { actionsEqual, validateAction } from './action.js';
import type { ApplianceAction } from './action.js';
import type { Assistant } from './assistant.js';

/** One labelled request: what was said and the action it means. */
export interface LabelledRequest {
  /** The request text. */
  text: string;
  /** The action it means. */
  action: ApplianceAction;
}

/** One request the assistant got wrong (wrong intent, or a slot off). */
export interface EvaluationMiss {
  /** The request. */
  text: string;
  /** The action it means. */
  expected: ApplianceAction;
  /** What the assistant answered; null when it failed (see `error`). */
  got: ApplianceAction | null;
  /** The error code when `handle` threw. */
  error?: string;
}

/** Counts for one expected intent. */
export interface IntentScore {
  /** Requests with this expected intent. */
  requests: number;
  /** Of those, answered with the right intent. */
  intent: number;
  /** Of those, answered with exactly the expected action. */
  exact: number;
}

/** Percentiles of time to action, ms. */
export interface TimeToActionSummary {
  /** Median. */
  p50: number;
  /** 95th percentile. */
  p95: number;
  /** Slowest. */
  max: number;
}

/** Accuracy figures over one set of labelled requests. */
export interface EvaluationReport {
  /** Requests evaluated. */
  requests: number;
  /** Share with the right intent, 0..1. */
  intentAccuracy: number;
  /** Share whose action equals the expected one exactly (intent, slots, values, list order), 0..1. */
  exactMatch: number;
  /** Share of answers that are valid actions under the contract, 0..1. */
  validActions: number;
  /** Per expected intent: requests, right intents, exact matches. */
  byIntent: Record<string, IntentScore>;
  /** Time to action over the requests, ms. */
  timeToActionMs: TimeToActionSummary;
  /** Every request not matched exactly. */
  misses: EvaluationMiss[];
}

/**
 * Read labelled requests from JSON Lines text: one `{"text", "action"}`
 * object per line (blank lines ignored), the form of `examples.jsonl` and of
 * the corpus splits.
 *
 * @param jsonl - the file's text
 * @param source - the file's name, for error messages
 * @throws TinyEdgeError `E_ACTION_INVALID` for a line that is not such an object or whose action breaks the contract
 */
export function parseLabelledRequests(jsonl: string, source = 'input'): LabelledRequest[] {
  const out: LabelledRequest[] = [];
  for (const [i, line] of jsonl.split('\n').entries()) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new TinyEdgeError('E_ACTION_INVALID', `${source}:${i + 1} is not JSON: ${(err as Error).message}`, 'Each line must be one {"text", "action"} object.', { cause: err });
    }
    const { text, action } = (value ?? {}) as { text?: unknown; action?: unknown };
    if (typeof text !== 'string') throw new TinyEdgeError('E_ACTION_INVALID', `${source}:${i + 1} has no "text" string`, 'Each line must be one {"text", "action"} object.');
    const checked = validateAction(action);
    if (!checked.valid) {
      throw new TinyEdgeError('E_ACTION_INVALID', `${source}:${i + 1} has an invalid action: ${checked.errors.join('; ')}`, 'Fix the action so it follows ACTIONS.md.');
    }
    out.push({ text, action: checked.action });
  }
  return out;
}

/**
 * Score answers against labels: intent accuracy, exact action match and the
 * share of valid actions (an answer that failed counts as wrong and invalid).
 *
 * @param labelled - the requests and their actions
 * @param answers - per request, the action given (null when it failed), time to action (ms) and error code if any
 * @throws RangeError when the two lists differ in length
 */
export function scoreAnswers(
  labelled: readonly LabelledRequest[],
  answers: ReadonlyArray<{ action: ApplianceAction | null; ms: number; error?: string }>,
): EvaluationReport {
  if (labelled.length !== answers.length) throw new RangeError(`${labelled.length} labelled requests but ${answers.length} answers`);
  let intent = 0;
  let exact = 0;
  let valid = 0;
  const byIntent: EvaluationReport['byIntent'] = {};
  const misses: EvaluationMiss[] = [];
  for (const [i, { text, action: expected }] of labelled.entries()) {
    const answer = answers[i]!;
    const got = answer.action;
    const row = (byIntent[expected.intent] ??= { requests: 0, intent: 0, exact: 0 });
    row.requests++;
    const isValid = got !== null && validateAction(got).valid;
    if (isValid) valid++;
    if (isValid && got.intent === expected.intent) {
      intent++;
      row.intent++;
    }
    if (isValid && actionsEqual(got, expected)) {
      exact++;
      row.exact++;
    } else {
      misses.push({ text, expected, got, ...(answer.error === undefined ? {} : { error: answer.error }) });
    }
  }
  const n = labelled.length;
  const times = answers.map((a) => a.ms).sort((a, b) => a - b);
  const pct = (p: number): number => (n === 0 ? 0 : times[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))]!);
  return {
    requests: n,
    intentAccuracy: n === 0 ? 0 : intent / n,
    exactMatch: n === 0 ? 0 : exact / n,
    validActions: n === 0 ? 0 : valid / n,
    byIntent,
    timeToActionMs: { p50: pct(0.5), p95: pct(0.95), max: n === 0 ? 0 : times[n - 1]! },
    misses,
  };
}

/**
 * Run every request through the assistant, one after another, and score the
 * answers with {@link scoreAnswers}.
 *
 * @param assistant - the assistant to evaluate
 * @param labelled - requests and their actions
 * @param onProgress - called after each request with the count done
 * @example
 * ```ts
 * const report = await evaluateAssistant(createAssistant({ model }), parseLabelledRequests(await readFile('examples.jsonl', 'utf8')));
 * console.log(report.intentAccuracy, report.exactMatch, report.validActions);
 * ```
 */
export async function evaluateAssistant(
  assistant: Assistant,
  labelled: readonly LabelledRequest[],
  onProgress?: (done: number, total: number) => void,
): Promise<EvaluationReport> {
  const answers: Array<{ action: ApplianceAction | null; ms: number; error?: string }> = [];
  for (const { text } of labelled) {
    const t0 = performance.now();
    try {
      const { action, stats } = await assistant.handle(text);
      answers.push({ action, ms: stats.timeToActionMs });
    } catch (err) {
      if (!(err instanceof TinyEdgeError)) throw err;
      answers.push({ action: null, ms: performance.now() - t0, error: err.code });
    }
    onProgress?.(answers.length, labelled.length);
  }
  return scoreAnswers(labelled, answers);
}
