import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { TinyEdgeError } from '../errors.js';
import { fromWireError } from './wire-error.js';
import type { InferenceBackend } from './portable/choose-runner-backend.js';
import type { HostMessage, LoadRequest, WireResult, WorkerGenerateOptions, WorkerInit, WorkerMessage } from './worker-protocol.js';

/** Callbacks for one generation request. `at` values are epoch ms from the worker. */
export interface RequestHandlers {
  started(promptTokens: number[], promptPieces: string[], at: number): void;
  pieces(pieces: ReadonlyArray<{ tokenId: number; text: string; at: number }>): void;
  finished(result: WireResult, at: number): void;
  failed(error: Error): void;
}

const ABORT_SLOTS = 1024;
let nextSlot = 1;
let nextRequest = 1;
let shared: InferenceHost | undefined;
let stopping: Promise<unknown> = Promise.resolve();

/**
 * The main-thread side of the inference worker. One worker serves every
 * model of the process: tfjs-tflite-node's binding keeps a process-wide class
 * reference, so interpreters in two live worker threads crash the process.
 * The worker starts with the first model and is terminated when the last one
 * closes; it is unreferenced whenever no load or request is in flight, so an
 * idle model never keeps the process alive.
 *
 * @example
 * ```ts
 * const host = await InferenceHost.acquire();
 * const slot = await host.load(request);
 * ```
 */
export class InferenceHost {
  readonly #worker: Worker;
  readonly #flags: Int32Array;
  readonly #slots = new Set<number>();
  readonly #loads = new Map<number, { resolve: (backend: InferenceBackend) => void; reject: (err: Error) => void }>();
  readonly #requests = new Map<number, RequestHandlers>();
  #dead: Error | null = null;
  #referenced = true;

  /** The process's inference host, started if needed. */
  static async acquire(): Promise<InferenceHost> {
    // A worker still shutting down must be gone before a new one loads the addon.
    await stopping;
    if (shared === undefined || shared.#dead !== null) shared = new InferenceHost();
    return shared;
  }

  private constructor() {
    const abortFlags = new SharedArrayBuffer(ABORT_SLOTS * 4);
    this.#flags = new Int32Array(abortFlags);
    const workerData: WorkerInit = { abortFlags };
    // From dist/ the worker is the bundled inference-worker.js next to this chunk. From
    // TypeScript sources (tests, tsx) it is the .ts file, loaded through tsx's API:
    // Node 20 does not apply `--import tsx` hooks to a worker's own entry module.
    if (import.meta.url.endsWith('.ts')) {
      const entry = JSON.stringify(new URL('./inference-worker.ts', import.meta.url).href);
      const bootstrap = `import(${JSON.stringify(tsxEsmApi())}).then((tsx) => { tsx.register(); return import(${entry}); })`;
      this.#worker = new Worker(bootstrap, { eval: true, workerData });
    } else {
      this.#worker = new Worker(new URL('./inference-worker.js', import.meta.url), { workerData });
    }
    this.#worker.on('message', (message: WorkerMessage) => this.#onMessage(message));
    this.#worker.on('error', (err) => this.#die(err));
    this.#worker.on('messageerror', (err) => this.#die(err));
    this.#worker.on('exit', (code) => this.#die(new Error(`the inference worker exited with code ${code}`)));
    this.#updateRef();
  }

  /**
   * Load a model into the worker.
   *
   * @returns the slot that names it in later calls, and the backend that runs it
   * @throws whatever the worker reports (TinyEdgeErrors keep their code)
   */
  async load(request: Omit<LoadRequest, 'type' | 'slot'>): Promise<{ slot: number; backend: InferenceBackend }> {
    this.#assertAlive();
    const slot = nextSlot++;
    const done = new Promise<InferenceBackend>((resolve, reject) => this.#loads.set(slot, { resolve, reject }));
    this.#slots.add(slot);
    const transfer = ownsBuffer(request.model) ? [request.model.buffer as ArrayBuffer] : [];
    this.#post({ type: 'load', slot, ...request }, transfer);
    this.#updateRef();
    try {
      return { slot, backend: await done };
    } catch (err) {
      await this.unload(slot);
      throw err;
    }
  }

  /** Drop a model; terminates the worker when it was the last one. */
  async unload(slot: number): Promise<void> {
    if (!this.#slots.delete(slot)) return;
    if (this.#slots.size > 0 || this.#loads.size > 0) {
      if (this.#dead === null) this.#post({ type: 'unload', slot });
      return;
    }
    await this.#stop();
  }

  /**
   * Queue a generation.
   *
   * @returns the request id, for {@link InferenceHost.abort} and {@link InferenceHost.forget}
   */
  generate(slot: number, prompt: string, options: WorkerGenerateOptions, handlers: RequestHandlers): number {
    this.#assertAlive();
    const id = nextRequest++;
    this.#requests.set(id, handlers);
    this.#post({ type: 'generate', id, slot, prompt, options });
    this.#updateRef();
    return id;
  }

  /** Ask the worker to stop request `id` before its next step. */
  abort(id: number): void {
    Atomics.store(this.#flags, id % ABORT_SLOTS, id);
  }

  /** Stop delivering messages of request `id` (its outcome was settled on this side). */
  forget(id: number): void {
    this.#requests.delete(id);
    this.#updateRef();
  }

  #post(message: HostMessage, transfer: ArrayBuffer[] = []): void {
    this.#worker.postMessage(message, transfer);
  }

  #onMessage(message: WorkerMessage): void {
    switch (message.type) {
      case 'loaded':
      case 'load-failed': {
        const load = this.#loads.get(message.slot);
        this.#loads.delete(message.slot);
        if (message.type === 'loaded') load?.resolve(message.backend);
        else load?.reject(fromWireError(message.error));
        break;
      }
      case 'unloaded':
        break;
      case 'started':
        this.#requests.get(message.id)?.started(message.promptTokens, message.promptPieces, message.at);
        break;
      case 'pieces':
        this.#requests.get(message.id)?.pieces(message.pieces);
        break;
      case 'finished': {
        const handlers = this.#requests.get(message.id);
        this.#requests.delete(message.id);
        handlers?.finished(message.result, message.at);
        break;
      }
      case 'failed': {
        const handlers = this.#requests.get(message.id);
        this.#requests.delete(message.id);
        handlers?.failed(fromWireError(message.error));
        break;
      }
    }
    this.#updateRef();
  }

  /** Keep the process alive only while something is in flight. */
  #updateRef(): void {
    const busy = this.#dead === null && (this.#loads.size > 0 || this.#requests.size > 0);
    if (busy === this.#referenced) return;
    this.#referenced = busy;
    if (busy) this.#worker.ref();
    else this.#worker.unref();
  }

  async #stop(): Promise<void> {
    if (this.#dead !== null) return;
    this.#dead = new TinyEdgeError('E_CLOSED', 'the inference worker was stopped', 'Load the model again.');
    if (shared === this) shared = undefined;
    const terminated = this.#worker.terminate();
    stopping = terminated.catch(() => undefined);
    await stopping;
  }

  #die(cause: unknown): void {
    if (this.#dead !== null) return;
    const error = new TinyEdgeError(
      'E_INFERENCE',
      `the inference worker stopped unexpectedly: ${cause instanceof Error ? cause.message : String(cause)}`,
      'Load the model again; if it happens again the model or the native backend is faulty.',
      { cause },
    );
    this.#dead = error;
    if (shared === this) shared = undefined;
    for (const load of this.#loads.values()) load.reject(error);
    this.#loads.clear();
    for (const handlers of this.#requests.values()) handlers.failed(error);
    this.#requests.clear();
    stopping = this.#worker.terminate().catch(() => undefined);
    this.#worker.unref();
  }

  #assertAlive(): void {
    if (this.#dead !== null) throw this.#dead;
  }
}

/** URL of tsx's ESM API module (a dev dependency, needed only when running from sources). */
function tsxEsmApi(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const entry = pkg.exports['./esm/api']?.import.default ?? './dist/esm/api/index.mjs';
  return pathToFileURL(join(dirname(manifest), entry)).href;
}

/** True when `bytes` spans its whole buffer, so transferring the buffer moves exactly these bytes. */
function ownsBuffer(bytes: Uint8Array): boolean {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
}
