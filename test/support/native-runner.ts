import tflite from 'tfjs-tflite-node';
import type { ModelRunner } from '../../src/runtime/runner.js';

/** A native TFLite interpreter over model bytes, for tests that drive graphs directly. */
export function nativeRunner(bytes: Uint8Array, threads = 1): ModelRunner {
  const owned = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return new tflite.TFLiteNodeModelRunner(owned, { threads }) as unknown as ModelRunner;
}
