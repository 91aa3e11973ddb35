/**
 * Fakes with the shapes of tinyedge's real implementations, for tests.
 *
 * @module tinyedge/testing
 */

export { FakeLlamaRunner } from './fake-llama-runner.js';
export { createTinyLlamaBundle, TINY_LLAMA_CONFIG } from './create-tiny-llama-bundle.js';
export type { TinyLlamaBundle, TinyLlamaBundleOptions } from './create-tiny-llama-bundle.js';
