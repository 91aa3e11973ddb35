/**
 * Messages between the model host (main thread) and the inference worker.
 * Internal: nothing here is part of the public API. Logits never cross the
 * thread boundary; only token ids, text and timings do.
 */
import type { LlamaConfig } from '../models/llama/config.js';
import type { ByteGrammar } from './byte-grammar.js';
import type { StopReason } from './generation.js';
import type { SamplerOptions } from './sampler.js';
import type { RunnerSpec } from './runner-spec.js';
import type { BackendOption, InferenceBackend } from './portable/choose-runner-backend.js';
import type { TokenizerKind } from './tokenizer.js';

/** `workerData` of the inference worker. */
export interface WorkerInit {
  /** Int32 slots; the host stores a request id at `id % length` to abort it. */
  abortFlags: SharedArrayBuffer;
}

/** What the worker needs to run one model. */
export interface LoadRequest {
  type: 'load';
  slot: number;
  model: Uint8Array;
  /** The same model built with a context of only `rows` positions, run while `pos < rows`. */
  windowModel?: { model: Uint8Array; rows: number };
  tokenizer: { kind: TokenizerKind; bytes: Uint8Array };
  config: LlamaConfig;
  contextLength: number;
  runner: RunnerSpec;
  /** The backend when `runner` is `'native'`: `auto` picks native where its library loads, portable otherwise. */
  backend: BackendOption;
  threads: number;
}

/** The limits and sampling of one generation, as the worker sees them. */
export interface WorkerGenerateOptions {
  maxTokens?: number;
  steps?: number;
  sampler: SamplerOptions;
  stop: string[];
  /**
   * Constrained decoding: the grammar, its key (`checkByteGrammar`), and whether to keep it compiled under
   * that key (the caller passed this grammar object before).
   */
  constraint?: { grammar: ByteGrammar; key: string; keep: boolean };
}

/** Host to worker. */
export type HostMessage =
  | LoadRequest
  | { type: 'unload'; slot: number }
  | { type: 'generate'; id: number; slot: number; prompt: string; options: WorkerGenerateOptions };

/** An error as it crosses the thread boundary. */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  hint?: string;
  stack?: string;
}

/** One generated token as posted by the worker; `at` is epoch ms (float). */
export interface WirePiece {
  tokenId: number;
  text: string;
  at: number;
}

/** The worker's account of a finished generation. */
export interface WireResult {
  stopReason: StopReason;
  promptTokens: number;
  generatedTokens: number;
  timeToFirstTokenMs: number;
  tokensPerSecond: number;
  inferMs: number;
  totalMs: number;
  outsideInferFraction: number;
}

/** Worker to host. */
export type WorkerMessage =
  | { type: 'loaded'; slot: number; ms: number; backend: InferenceBackend }
  | { type: 'load-failed'; slot: number; error: WireError }
  | { type: 'unloaded'; slot: number }
  | { type: 'started'; id: number; promptTokens: number[]; promptPieces: string[]; at: number }
  | { type: 'pieces'; id: number; pieces: WirePiece[] }
  | { type: 'finished'; id: number; result: WireResult; at: number }
  | { type: 'failed'; id: number; error: WireError };
