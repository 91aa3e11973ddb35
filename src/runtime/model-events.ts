import type { TinyEdgeError } from '../errors.js';
import type { GenerationStats, StopReason } from './generation.js';

/**
 * Payload of `inference:start`: the worker accepted a prompt and starts
 * running it. Times (`at`) are on this thread's `performance.now()` clock, in
 * ms, taken in the worker when it happened, not when the message arrived.
 */
export interface InferenceStartEvent {
  /** Identifies the generation across its events. */
  requestId: number;
  /** The model's manifest name. */
  model: string;
  /** Prompt tokens, BOS included. */
  promptTokens: number;
  /** When the worker started, `performance.now()` ms. */
  at: number;
}

/** Payload of `token`: one generated token. */
export interface TokenEvent {
  /** Identifies the generation across its events. */
  requestId: number;
  /** The model's manifest name. */
  model: string;
  /** The token id. */
  tokenId: number;
  /** Text released by the token (may be `''`). */
  text: string;
  /** 0 for the first generated token, then 1, 2, ... */
  index: number;
  /** When the token was sampled, `performance.now()` ms. */
  at: number;
}

/** Payload of `inference:end`: the generation ended, normally or not. */
export interface InferenceEndEvent {
  /** Identifies the generation across its events. */
  requestId: number;
  /** The model's manifest name. */
  model: string;
  /** Why it ended; `'error'` when it failed or the model was closed (see `error`). */
  stopReason: StopReason | 'error';
  /** Prompt tokens, BOS included. */
  promptTokens: number;
  /** Tokens generated. */
  generatedTokens: number;
  /** From `inference:start` to the end, ms. */
  durationMs: number;
  /** Time inside the interpreter, ms (0 when unknown after a failure). */
  inferMs: number;
  /** When it ended, `performance.now()` ms. */
  at: number;
  /** Full stats; absent after a failure. */
  stats?: GenerationStats;
  /** The failure, when `stopReason` is `'error'`. */
  error?: TinyEdgeError;
}

/** The events a `Model` emits, by name. Power metering hooks in here. */
export interface ModelEvents {
  /** A generation started running in the worker. */
  'inference:start': InferenceStartEvent;
  /** A token was generated. */
  token: TokenEvent;
  /** A generation ended. */
  'inference:end': InferenceEndEvent;
}
