import type { LlamaConfig } from '../models/llama/config.js';
import { createNativeRunner } from '../runtime/create-native-runner.js';
import { KvCacheDecoder } from '../runtime/kv-cache-decoder.js';
import type { Tokenizer } from '../runtime/tokenizer.js';
import type { CorpusExample } from './read-corpus.js';
import { encodePrompt } from './training-data.js';

/** One example the model got wrong. */
export interface EvaluationMiss {
  /** The request. */
  text: string;
  /** The action expected, as compact JSON. */
  expected: string;
  /** What the model wrote (up to its newline). */
  got: string;
}

/** Exact-match figures of greedy, unconstrained decoding. */
export interface EvaluationResult {
  /** Examples evaluated. */
  examples: number;
  /** Share whose action equals the expected one (key order ignored), 0..1. */
  exactMatch: number;
  /** Share whose `intent` equals the expected one, 0..1. */
  intentMatch: number;
  /** Share whose output parses as a JSON object, 0..1. */
  validJson: number;
  /** Up to 20 misses, for a look at what goes wrong. */
  misses: EvaluationMiss[];
}

/** Options of {@link evaluateGreedy}. */
export interface EvaluateGreedyOptions {
  /** A `.tflite` decode-step graph (as `buildLlamaModels` writes). */
  model: Uint8Array;
  /** Its hyper-parameters. */
  config: LlamaConfig;
  /** The bundle's tokenizer. */
  tokenizer: Tokenizer;
  /** Examples to run. */
  examples: readonly CorpusExample[];
  /** Most tokens generated per example. Default: up to the context's end. */
  maxNewTokens?: number;
}

/**
 * Run every example's prompt through the exported model on the native TFLite
 * runner and decode greedily (no grammar) until the newline that ends an
 * action, then compare with the expected action. This measures the model as
 * it ships, weights quantized as in the bundle.
 *
 * @throws TinyEdgeError `E_BACKEND_UNAVAILABLE` / `E_MODEL_FORMAT` from the runner
 */
export async function evaluateGreedy(options: EvaluateGreedyOptions): Promise<EvaluationResult> {
  const { config, tokenizer, examples } = options;
  const decoder = new KvCacheDecoder(await createNativeRunner(options.model), config);
  let exact = 0;
  let intent = 0;
  let valid = 0;
  const misses: EvaluationMiss[] = [];
  for (const example of examples) {
    const got = greedyAction(decoder, tokenizer, encodePrompt(tokenizer, example.text), config.seqLen, options.maxNewTokens);
    let parsed: unknown = undefined;
    try {
      parsed = JSON.parse(got);
    } catch {
      // counted as invalid below
    }
    const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
    if (isObject) valid++;
    const expectedIntent = (example.action as { intent?: unknown }).intent;
    if (isObject && (parsed as { intent?: unknown }).intent === expectedIntent) intent++;
    if (isObject && canonicalJson(parsed) === canonicalJson(example.action)) exact++;
    else if (misses.length < 20) misses.push({ text: example.text, expected: example.actionText, got });
  }
  const n = Math.max(1, examples.length);
  return { examples: examples.length, exactMatch: exact / n, intentMatch: intent / n, validJson: valid / n, misses };
}

/** Greedy tokens after `prompt` until a newline (or EOS, or the context's end); returns the text before the newline. */
function greedyAction(decoder: KvCacheDecoder, tokenizer: Tokenizer, prompt: number[], seqLen: number, maxNewTokens = seqLen): string {
  if (prompt.length >= seqLen) return '';
  let logits: Float32Array = new Float32Array(0);
  prompt.forEach((token, pos) => {
    logits = decoder.step(token, pos, pos === prompt.length - 1);
  });
  const text = tokenizer.createDecoder(prompt[prompt.length - 1]);
  let out = '';
  for (let pos = prompt.length, n = 0; pos < seqLen && n < maxNewTokens; pos++, n++) {
    let best = 0;
    for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
    if (best === tokenizer.eosId) break;
    out += text.push(best);
    const newline = out.indexOf('\n');
    if (newline >= 0) return out.slice(0, newline);
    if (pos + 1 < seqLen) logits = decoder.step(best, pos);
  }
  return out + text.flush();
}

/** JSON with object keys sorted at every level: equal for equal values whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
