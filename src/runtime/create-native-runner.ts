import { TinyEdgeError } from '../errors.js';
import { readTfliteModel } from '../tflite/read-tflite-model.js';
import { TENSOR_TYPE_BYTES } from '../tflite/schema.js';
import type { ModelRunner, RunnerOptions } from './runner.js';

/** Largest tensor, and largest total of run-time tensors, a model may ask the interpreter for. */
const MAX_TENSOR_BYTES = 1 << 30;

/**
 * Reject, with a TinyEdgeError, a model whose structure is broken or whose
 * tensors ask for more memory than any tinyedge model needs.
 */
function checkTfliteForNative(model: Uint8Array): void {
  const info = readTfliteModel(model); // E_MODEL_FORMAT on any structural fault
  let runtimeBytes = 0;
  for (const sg of info.subgraphs) {
    for (const t of sg.tensors) {
      const elements = t.shape.reduce((n, d) => n * Math.max(d, 0), 1);
      const bytes = elements * (TENSOR_TYPE_BYTES[t.type] ?? 8);
      if (bytes > MAX_TENSOR_BYTES) {
        throw new TinyEdgeError('E_MODEL_FORMAT', `tensor "${t.name}" [${t.shape.join(', ')}] ${t.dtype} would take ${bytes} bytes`, 'The model file is damaged; rebuild the bundle with `tinyedge convert`.');
      }
      if (t.buffer === 0) runtimeBytes += bytes;
    }
  }
  if (runtimeBytes > MAX_TENSOR_BYTES) {
    throw new TinyEdgeError('E_MODEL_FORMAT', `the model's run-time tensors would take ${runtimeBytes} bytes`, 'The model file is damaged; rebuild the bundle with `tinyedge convert`.');
  }
}

interface TfliteNodeModule {
  TFLiteNodeModelRunner: new (model: ArrayBuffer, options: { threads?: number }) => ModelRunner;
}

/**
 * Create a tfjs-tflite-node interpreter for a `.tflite` flatbuffer.
 *
 * The addon is loaded on first use, so importing tinyedge never loads native
 * code. Its binding keeps one process-wide class reference, so it must only
 * ever be used from one thread at a time: the runtime keeps every native
 * interpreter in its single inference worker.
 *
 * @param model - the flatbuffer's bytes (copied; the caller keeps them)
 * @param options - `threads`, default 1
 * @throws TinyEdgeError `E_BACKEND_UNAVAILABLE` when tfjs-tflite-node cannot be loaded on this machine
 * @throws TinyEdgeError `E_MODEL_FORMAT` when TFLite rejects the model
 * @example
 * ```ts
 * const runner = await createNativeRunner(await readFile('model.tflite'), { threads: 1 });
 * ```
 */
export async function createNativeRunner(model: Uint8Array, options: RunnerOptions = {}): Promise<ModelRunner> {
  let tflite: TfliteNodeModule;
  try {
    const mod = (await import('tfjs-tflite-node')) as unknown as { default?: TfliteNodeModule } & TfliteNodeModule;
    tflite = mod.default ?? mod;
  } catch (err) {
    throw new TinyEdgeError(
      'E_BACKEND_UNAVAILABLE',
      `the TFLite backend (tfjs-tflite-node) could not be loaded: ${(err as Error).message}`,
      'Reinstall tinyedge on this machine so its native addon matches the platform and Node version.',
      { cause: err },
    );
  }
  // TFLite aborts the whole process on some malformed models (std::bad_alloc
  // for absurd shapes) instead of failing: read the structure ourselves first.
  checkTfliteForNative(model);
  // The binding copies exactly `byteLength` bytes of the ArrayBuffer it is given.
  const exact = model.buffer.slice(model.byteOffset, model.byteOffset + model.byteLength) as ArrayBuffer;
  try {
    return new tflite.TFLiteNodeModelRunner(exact, { threads: options.threads ?? 1 });
  } catch (err) {
    throw new TinyEdgeError(
      'E_MODEL_FORMAT',
      `TFLite rejected the model: ${(err as Error).message.trim()}`,
      'The .tflite file is damaged or uses operators this TFLite build lacks; rebuild it with `tinyedge convert`.',
      { cause: err },
    );
  }
}
