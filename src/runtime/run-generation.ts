import { performance } from 'node:perf_hooks';
import { TinyEdgeError } from '../errors.js';
import type { DecodeStep } from './windowed-decoder.js';
import { COMPLETE, SAMPLE, constraintFor } from './logit-constraint.js';
import { Sampler } from './sampler.js';
import { StopSequenceMatcher } from './stop-sequence-matcher.js';
import type { Tokenizer } from './tokenizer.js';
import type { StopReason } from './generation.js';
import type { WirePiece, WireResult, WorkerGenerateOptions } from './worker-protocol.js';

/** How {@link runGeneration} talks to whoever runs it (the worker, or a test). */
export interface GenerationIo {
  /** The prompt was encoded and fits: its ids (BOS first) and what run.c prints for each token after BOS. */
  started(promptTokens: number[], promptPieces: string[]): void;
  /** One generated token and the text it released. */
  piece(piece: WirePiece): void;
  /** Polled before every step; true ends the generation with `aborted`. */
  aborted(): boolean;
  /** Awaited about every `sliceMs` of work, so the thread can handle messages. */
  pause(): Promise<void>;
}

/** Epoch milliseconds with sub-millisecond resolution, comparable across threads. */
export const epochMs = (): number => performance.timeOrigin + performance.now();

/**
 * The decode loop of llama2.c's `run`: BOS and the prompt are fed one token
 * per position (each prompt token forced, not sampled), then tokens are
 * sampled until BOS or EOS, a stop string, `maxTokens`, llama2.c's `steps`
 * (positions including the prompt), the context length, or an abort.
 *
 * With `options.constraint`, logits are masked to the tokens that keep the
 * text inside the grammar (see `TokenConstraint`); a token that is the only
 * one allowed is taken without sampling, the step before it skips the
 * classifier, and the generation ends with `eos` once the text is complete
 * and nothing may follow, without another step.
 *
 * Text is decoded as run.c prints it. A piece whose text a stop string or an
 * unfinished UTF-8 character holds back is reported one token late, so the
 * held text can still be attached to it when the stream ends.
 *
 * @param decoder - the model's decode step
 * @param tokenizer - the model's tokenizer
 * @param prompt - prompt text; `''` starts from BOS alone
 * @param options - limits, sampling and stop strings
 * @param contextLength - positions a sequence may use
 * @param io - callbacks
 * @param sliceMs - work between two `io.pause()` calls, so between two batches of pieces
 *   reaching the main thread. Default 25 ms: 40 updates a second read as smooth streaming, and
 *   each batch costs a message (10 ms cost about 3% more of a tiny model's time).
 * @throws TinyEdgeError `E_CONTEXT_OVERFLOW` when the prompt has more tokens than `contextLength`, or a
 *   constraint's shortest text does not fit in what the limits and the context leave
 * @example
 * ```ts
 * const result = await runGeneration(decoder, tokenizer, 'Once', { sampler: { temperature: 0 }, stop: [] }, 256, io);
 * ```
 */
export async function runGeneration(
  decoder: DecodeStep,
  tokenizer: Tokenizer,
  prompt: string,
  options: WorkerGenerateOptions,
  contextLength: number,
  io: GenerationIo,
  sliceMs = 25,
): Promise<WireResult> {
  const t0 = performance.now();
  decoder.resetTimer();
  const promptTokens = tokenizer.encode(prompt, { bos: true, eos: false });
  const nPrompt = promptTokens.length;
  if (nPrompt > contextLength) {
    throw new TinyEdgeError(
      'E_CONTEXT_OVERFLOW',
      `the prompt is ${nPrompt} tokens (BOS included) but the model's context holds ${contextLength}`,
      `Shorten the prompt to at most ${contextLength} tokens, leaving room for the reply.`,
    );
  }
  let limit = options.maxTokens ?? Infinity;
  if (options.steps !== undefined) limit = Math.min(limit, Math.min(options.steps, contextLength) - nPrompt + 1);
  const cursor = options.constraint === undefined ? null : constraintFor(tokenizer, options.constraint.grammar, options.constraint.key, options.constraint.keep).cursor();
  // Tokens that may still be generated when the next one is sampled at position `at` (steps run so far).
  const room = (at: number, done: number): number => Math.min(limit - done, contextLength - at + 1);
  if (cursor !== null && cursor.distance > room(nPrompt, 0)) {
    throw new TinyEdgeError(
      'E_CONTEXT_OVERFLOW',
      `the constraint needs at least ${cursor.distance} tokens but the prompt (${nPrompt} tokens) and the limits leave ${Math.max(0, room(nPrompt, 0))}`,
      'Shorten the prompt or raise maxTokens so that a complete text fits.',
    );
  }
  const decode = tokenizer.createDecoder(promptTokens[0]);
  const promptPieces: string[] = [];
  for (let i = 1; i < nPrompt; i++) promptPieces.push(decode.push(promptTokens[i]!));
  io.started(promptTokens, promptPieces);

  const sampler = new Sampler(options.sampler);
  const stops = new StopSequenceMatcher(options.stop);
  const context = promptTokens.slice();
  let generated = 0;
  let stopReason: StopReason = 'maxTokens';
  let firstAt = 0;
  let lastAt = 0;
  let charsIn = 0;
  let charsOut = 0;
  let pending: WirePiece | null = null;
  let token = promptTokens[0]!;
  let sliceStart = performance.now();
  /** What the constraint allows at the next sample, known before its step: SAMPLE, COMPLETE or a forced id. */
  let upcoming = cursor === null ? SAMPLE : cursor.peek(room(nPrompt, 0));

  for (let pos = 0; limit > 0; ) {
    if (io.aborted()) {
      stopReason = 'aborted';
      break;
    }
    // Logits of prompt tokens before the last are never read: skip the classifier.
    const logits = decoder.step(token, pos, pos + 1 >= nPrompt && upcoming === SAMPLE);
    pos++;
    if (pos < nPrompt) {
      token = promptTokens[pos]!;
    } else {
      let next: number;
      if (cursor === null) {
        next = sampler.sample(logits, context);
      } else {
        const choice = cursor.choose(logits, room(pos, generated));
        if (choice === COMPLETE) {
          stopReason = 'eos';
          break;
        }
        next = choice === SAMPLE ? sampler.sample(cursor.masked, context) : choice;
        if (next !== tokenizer.eosId) cursor.advance(next);
      }
      const now = performance.now();
      if (generated === 0) firstAt = now;
      lastAt = now;
      if (next === tokenizer.bosId || next === tokenizer.eosId) {
        stopReason = 'eos';
        break;
      }
      generated++;
      context.push(next);
      const raw = decode.push(next);
      const { text, stopped } = stops.push(raw);
      charsIn += raw.length;
      charsOut += text.length;
      if (pending !== null) io.piece(pending);
      const piece: WirePiece = { tokenId: next, text, at: epochMs() };
      const holding = !stopped && (charsIn > charsOut || decode.holding);
      pending = holding ? piece : null;
      if (!holding) io.piece(piece);
      if (stopped) {
        stopReason = 'stop';
        break;
      }
      if (cursor !== null) {
        const left = room(pos + 1, generated);
        upcoming = left >= 1 ? cursor.peek(left) : cursor.accepting ? COMPLETE : SAMPLE;
        if (upcoming === COMPLETE) {
          stopReason = 'eos';
          break;
        }
      }
      if (generated >= limit) break;
      if (pos >= contextLength) {
        stopReason = 'contextFull';
        break;
      }
      token = next;
    }
    if (performance.now() - sliceStart >= sliceMs) {
      await io.pause();
      sliceStart = performance.now();
    }
  }
  if (pending !== null) {
    if (stopReason !== 'stop') {
      const tail = stops.push(decode.flush()).text;
      pending.text += stops.stopped ? tail : tail + stops.flush();
    }
    io.piece(pending);
  }

  const totalMs = performance.now() - t0;
  const decodeMs = lastAt - firstAt;
  return {
    stopReason,
    promptTokens: nPrompt,
    generatedTokens: generated,
    timeToFirstTokenMs: firstAt > 0 ? firstAt - t0 : 0,
    tokensPerSecond: generated >= 2 && decodeMs > 0 ? ((generated - 1) * 1000) / decodeMs : generated > 0 ? (generated * 1000) / totalMs : 0,
    inferMs: decoder.inferMs,
    totalMs,
    outsideInferFraction: totalMs > 0 ? Math.max(0, 1 - decoder.inferMs / totalMs) : 0,
  };
}
