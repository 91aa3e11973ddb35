import { TinyEdgeError } from '../../errors.js';
import { WasmKernels } from './wasm-kernels.js';

/** `@tensorflow/tfjs-core`, as the portable backend uses it. */
export type Tf = typeof import('@tensorflow/tfjs-core');

/** A ready tfjs with the WebAssembly backend active on this thread. */
export interface TfjsWasm {
  /** tfjs-core. */
  tf: Tf;
  /** The WebAssembly kernels, called directly; one arena per thread (invokes never overlap). */
  kernels: WasmKernels;
  /** Whether the SIMD build of the backend is running. */
  simd: boolean;
  /** Threads XNNPACK uses (1 in Node: the threaded build needs cross-origin isolation). */
  threads: number;
}

let loading: Promise<TfjsWasm> | undefined;

/**
 * Load tfjs-core and its WebAssembly backend on this thread, once, and make
 * it the active backend. Loaded on first use, so importing tinyedge never
 * loads tfjs. In Node the `.wasm` files are read from the package directory;
 * nothing touches the network.
 *
 * @param threads - XNNPACK threads to ask for; only the first call on a thread
 *   counts, and Node runs the single-threaded build whatever is asked
 * @throws TinyEdgeError `E_BACKEND_UNAVAILABLE` when tfjs or its backend cannot be loaded
 */
export function loadTfjsWasm(threads = 1): Promise<TfjsWasm> {
  loading ??= init(threads).catch((err: unknown) => {
    loading = undefined;
    throw new TinyEdgeError(
      'E_BACKEND_UNAVAILABLE',
      `the portable backend (@tensorflow/tfjs-backend-wasm) could not be started: ${(err as Error).message}`,
      'Reinstall tinyedge so that @tensorflow/tfjs-core and @tensorflow/tfjs-backend-wasm are present, on Node 20 or newer.',
      { cause: err },
    );
  });
  return loading;
}

async function init(threads: number): Promise<TfjsWasm> {
  const tf = (await import('@tensorflow/tfjs-core')) as Tf;
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // The kernels are called on the WebAssembly backend directly, so it need not stay the active
  // backend: code on this thread that uses tfjs with another backend keeps it.
  const engine = tf.engine();
  const previous: unknown = engine.backendName; // unset until some backend was chosen
  if (!('wasm' in engine.registry)) {
    wasm.setThreadsCount(Math.max(1, Math.floor(threads)));
    if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") failed');
    if (typeof previous === 'string' && previous !== 'wasm' && previous in engine.registry) await tf.setBackend(previous);
  }
  const backend = engine.registry['wasm'];
  if (backend === undefined) throw new Error('the wasm backend did not initialise');
  return {
    tf,
    kernels: new WasmKernels(tf, backend),
    simd: (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true,
    threads: wasm.getThreadsCount(),
  };
}
