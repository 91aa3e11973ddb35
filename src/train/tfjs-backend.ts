import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { TinyEdgeError } from '../errors.js';

let ready: Promise<void> | null = null;

/**
 * Select tfjs's WebAssembly backend (SIMD, one thread here) once per process.
 * Training runs on it: it is 3-4 times faster than the plain-JS backend on
 * our matrix sizes and, being single-threaded, gives bit-identical results
 * run after run, which resumable checkpoints rely on.
 *
 * @throws TinyEdgeError `E_BACKEND_UNAVAILABLE` when the WebAssembly backend cannot start
 */
export function useWasmBackend(): Promise<void> {
  ready ??= (async () => {
    let ok = false;
    try {
      ok = await tf.setBackend('wasm');
    } catch (err) {
      ready = null;
      throw backendError((err as Error).message, err);
    }
    if (!ok || tf.getBackend() !== 'wasm') {
      ready = null;
      throw backendError('tf.setBackend("wasm") returned false');
    }
  })();
  return ready;
}

function backendError(detail: string, cause?: unknown): TinyEdgeError {
  return new TinyEdgeError(
    'E_BACKEND_UNAVAILABLE',
    `the tfjs WebAssembly backend could not start: ${detail}`,
    'Reinstall tinyedge so that @tensorflow/tfjs-backend-wasm and its .wasm files are present.',
    cause === undefined ? undefined : { cause },
  );
}
