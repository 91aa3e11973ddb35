import { performance } from 'node:perf_hooks';
import { InferenceHost } from './inference-host.js';
import { Model } from './model.js';
import { readBundle } from './read-bundle.js';
import { resolveModelLocation } from './resolve-model-location.js';
import type { RunnerSpec } from './runner-spec.js';
import { resolveBackendOption } from './portable/choose-runner-backend.js';
import { chooseBackendAndThreads } from '../hal/preflight/choose-backend-and-threads.js';
import { detectBoard } from '../hal/detect.js';
import type { BackendOption } from './portable/choose-runner-backend.js';

/** Options of {@link loadModel}. */
export interface LoadModelOptions {
  /**
   * Interpreter threads, an integer in [1, 64], or `'auto'`: the detected
   * board profile's recommendation capped by the cores available (the same
   * choice `tinyedge doctor` reports). Default 1: tiny models gain little
   * from more, and the other cores stay free.
   */
  threads?: number | 'auto';
  /** The interpreter: `'native'` (default: a real interpreter, on `backend`) or a fake from `tinyedge/testing`. */
  runner?: RunnerSpec;
  /**
   * Which backend runs the graph: `native` (tfjs-tflite-node's TFLite
   * library), `portable` (tfjs's WebAssembly backend: any platform Node runs
   * on, slower), or `auto`: native when its library loads on this machine,
   * portable otherwise. Default: the `TINYEDGE_BACKEND` environment variable,
   * else `auto`. The backend used is `model.backend` and `stats.backend`.
   */
  backend?: BackendOption;
  /** Where bundled models live. Default: the `models/` directory of the tinyedge package. */
  modelsDir?: string;
}

/**
 * Load a model bundle: by name from tinyedge's bundled models, or by path
 * (or `file:` URL) from anywhere. Every file is checked against the
 * manifest's SHA-256 before the interpreter sees it. The runtime never
 * touches the network, so `http(s)://` locations are refused.
 *
 * @param nameOrPath - a bundled model's name, a bundle directory, or a `file:` URL
 * @param options - threads and runner; see {@link LoadModelOptions}
 * @returns the loaded {@link Model}; close it when done
 * @throws TypeError / RangeError for a bad argument (a `backend`, or `TINYEDGE_BACKEND`, other than native, portable or auto)
 * @throws TinyEdgeError `E_NETWORK_REFUSED` for a network URL, `E_NOT_FOUND` for a missing bundle or file,
 *   `E_BUNDLE_MANIFEST` for a bad manifest, `E_BUNDLE_HASH` for an altered file, `E_MODEL_FORMAT` /
 *   `E_TOKENIZER_FORMAT` / `E_TOKENIZER_MISMATCH` for files the runtime cannot use,
 *   `E_BACKEND_UNAVAILABLE` when the backend asked for cannot load
 *   (`auto` falls back to portable instead), `E_MODEL_UNSUPPORTED` when the portable backend meets an operator it does not run
 * @example
 * ```ts
 * const model = await loadModel('./bundles/stories260k');
 * const { text } = await model.generate('Once upon a time', { maxTokens: 32, temperature: 0 }).result;
 * await model.close();
 * ```
 */
export async function loadModel(nameOrPath: string, options: LoadModelOptions = {}): Promise<Model> {
  const t0 = performance.now();
  const threads = options.threads === 'auto' ? chooseBackendAndThreads({ board: await detectBoard() }).threads : options.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) throw new RangeError(`threads must be an integer in [1, 64], found ${String(threads)}`);
  const runner = options.runner ?? 'native';
  const backend = resolveBackendOption(options.backend);
  if (runner !== 'native' && (typeof runner !== 'object' || runner === null || runner.kind !== 'fake-llama')) {
    throw new TypeError(`runner must be 'native' or { kind: 'fake-llama', weights }, found ${JSON.stringify(runner)}`);
  }
  const dir = resolveModelLocation(nameOrPath, options.modelsDir === undefined ? {} : { modelsDir: options.modelsDir });
  const bundle = await readBundle(dir);
  const { manifest } = bundle;
  const host = await InferenceHost.acquire();
  const { slot, backend: used } = await host.load({
    model: bundle.model,
    ...(bundle.windowModel === undefined ? {} : { windowModel: { model: bundle.windowModel.bytes, rows: bundle.windowModel.rows } }),
    tokenizer: { kind: manifest.tokenizer.kind, bytes: bundle.tokenizer },
    config: manifest.hyperparameters,
    contextLength: manifest.contextLength,
    runner,
    backend,
    threads,
  });
  return new Model({ host, slot, manifest, dir, loadMs: performance.now() - t0, backend: used });
}
