import { TinyEdgeError } from '../errors.js';
import type { ModelRunner, RunnerOptions } from './runner.js';

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
  // TFLite's own check reports to stderr before failing; catch the common case (not a TFLite file at all) quietly.
  if (model.byteLength < 8 || String.fromCharCode(...model.subarray(4, 8)) !== 'TFL3') {
    throw new TinyEdgeError('E_MODEL_FORMAT', 'the model is not a TFLite flatbuffer (no "TFL3" identifier at byte 4)', 'Rebuild the bundle with `tinyedge convert`.');
  }
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
