/**
 * The inference worker: one per process, it owns every interpreter (native
 * or fake) and runs the decode loops, so the host's event loop never waits
 * for a matrix multiply and logits never leave this thread.
 *
 * Requests run one at a time in arrival order. The loop pauses every few
 * milliseconds to flush token messages and let other messages in (a load, an
 * unload); aborts arrive through a shared flag array checked before every
 * step, so they take effect within one token even mid-slice.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { TinyEdgeError } from '../errors.js';
import { createRunnerOn } from './portable/choose-runner-backend.js';
import type { InferenceBackend } from './portable/choose-runner-backend.js';
import { createTokenizer } from './create-tokenizer.js';
import type { LlamaConfig } from '../models/llama/config.js';
import { KvCacheDecoder } from './kv-cache-decoder.js';
import { WindowedDecoder, type DecodeStep } from './windowed-decoder.js';
import type { ModelRunner } from './runner.js';
import { epochMs, runGeneration } from './run-generation.js';
import type { Tokenizer } from './tokenizer.js';
import { toWireError } from './wire-error.js';
import type { HostMessage, LoadRequest, WirePiece, WorkerInit, WorkerMessage } from './worker-protocol.js';

interface Slot {
  decoder: DecodeStep;
  tokenizer: Tokenizer;
  contextLength: number;
  closed: boolean;
  /** Frees what the slot's runners hold outside the JS heap (the portable backend's WebAssembly memory). */
  dispose(): void;
}

type GenerateMessage = Extract<HostMessage, { type: 'generate' }>;

const port = parentPort;
if (port === null) throw new Error('inference-worker must run in a worker thread');
const flags = new Int32Array((workerData as WorkerInit).abortFlags);
const slots = new Map<number, Slot>();
const queue: GenerateMessage[] = [];
let busy = false;

const post = (message: WorkerMessage, transfer?: ArrayBuffer[]): void => port.postMessage(message, transfer);

port.on('message', (message: HostMessage) => {
  switch (message.type) {
    case 'load':
      void load(message);
      break;
    case 'unload': {
      const slot = slots.get(message.slot);
      if (slot !== undefined) {
        // A generation of this slot stops before its next step (it checks `closed`), so its runners can go now.
        slot.closed = true;
        slot.dispose();
      }
      slots.delete(message.slot);
      post({ type: 'unloaded', slot: message.slot });
      break;
    }
    case 'generate':
      queue.push(message);
      void pump();
      break;
  }
});

async function load(request: LoadRequest): Promise<void> {
  const t0 = performance.now();
  const runners: ModelRunner[] = [];
  const dispose = (): void => {
    for (const r of runners) (r as Partial<{ dispose(): void }>).dispose?.();
  };
  try {
    const tokenizer = createTokenizer(request.tokenizer.kind, request.tokenizer.bytes, request.config.vocabSize);
    // The full model settles `auto`; the window model then runs on the same backend.
    // (Typed wide on purpose: `createRunner` below reassigns it, which TypeScript's narrowing cannot see.)
    let backend = (request.runner === 'native' ? 'native' : 'fake') as InferenceBackend;
    let option = request.backend;
    const createRunner = async (model: Uint8Array, config: LlamaConfig): Promise<ModelRunner> => {
      if (request.runner !== 'native') {
        // Loaded only when asked for, so production workers never parse the reference model code.
        const { FakeLlamaRunner } = await import('../testing/fake-llama-runner.js');
        return new FakeLlamaRunner(config, request.runner.weights);
      }
      const chosen = await createRunnerOn(option, model, request.threads);
      runners.push(chosen.runner);
      backend = chosen.backend;
      option = chosen.backend;
      return chosen.runner;
    };
    const full = new KvCacheDecoder(await createRunner(request.model, request.config), request.config);
    let decoder: DecodeStep = full;
    if (request.windowModel) {
      const windowConfig = { ...request.config, seqLen: request.windowModel.rows };
      decoder = new WindowedDecoder(new KvCacheDecoder(await createRunner(request.windowModel.model, windowConfig), windowConfig), full);
      full.step(tokenizer.bosId, 0); // warm the full interpreter too (see below)
    }
    // TFLite allocates and packs lazily on the first invoke (3x a normal step on stories15M):
    // pay it here, in the load time, not in the first request's time to first token.
    decoder.step(tokenizer.bosId, 0);
    if (backend === 'portable') warmPortable(full, decoder, tokenizer.bosId);
    slots.set(request.slot, { decoder, tokenizer, contextLength: request.contextLength, closed: false, dispose });
    post({ type: 'loaded', slot: request.slot, ms: performance.now() - t0, backend });
  } catch (err) {
    dispose();
    post({ type: 'load-failed', slot: request.slot, error: toWireError(err) });
  }
}

/**
 * The portable backend's steps are JavaScript until V8 has compiled them: the
 * first runs cost ten times a warm one (stories260K). A few more steps at load,
 * both with and without logits, move that out of the first request's time to
 * first token. Rows they write are masked or overwritten by any sequence.
 */
function warmPortable(full: KvCacheDecoder, decoder: DecodeStep, token: number): void {
  const steps = Math.min(PORTABLE_WARM_STEPS, full.seqLen);
  for (let pos = 1; pos < steps; pos++) full.step(token, pos, pos % 2 === 0);
  if (decoder !== full) for (let pos = 1; pos < Math.min(steps, (decoder as WindowedDecoder).windowRows); pos++) decoder.step(token, pos, pos % 2 === 0);
}

/** Extra steps the portable backend runs at load: enough for the step's JavaScript to be compiled. */
const PORTABLE_WARM_STEPS = 24;

async function pump(): Promise<void> {
  if (busy) return;
  busy = true;
  try {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) await generate(next);
  } finally {
    busy = false;
  }
}

async function generate(request: GenerateMessage): Promise<void> {
  const { id } = request;
  const slot = slots.get(request.slot);
  if (slot === undefined) {
    const closed = new TinyEdgeError('E_CLOSED', 'the model was closed', 'Load the model again.');
    post({ type: 'failed', id, error: toWireError(closed) });
    return;
  }
  let batch: WirePiece[] = [];
  let flushed = false;
  const flush = (): void => {
    if (batch.length === 0) return;
    post({ type: 'pieces', id, pieces: batch });
    batch = [];
  };
  try {
    const result = await runGeneration(slot.decoder, slot.tokenizer, request.prompt, request.options, slot.contextLength, {
      started: (promptTokens, promptPieces) => post({ type: 'started', id, promptTokens, promptPieces, at: epochMs() }),
      piece: (piece) => {
        batch.push(piece);
        // The first token goes out at once (time to first token); later ones ride the slice flushes.
        if (!flushed) {
          flushed = true;
          flush();
        }
      },
      aborted: () => slot.closed || Atomics.load(flags, id % flags.length) === id,
      pause: async () => {
        flush();
        await nextTurn();
      },
    });
    flush();
    post({ type: 'finished', id, result, at: epochMs() });
  } catch (err) {
    flush();
    post({ type: 'failed', id, error: toWireError(err) });
  }
}
