import type { LlamaWeights } from '../models/llama/config.js';

/**
 * Asks for `tinyedge/testing`'s `FakeLlamaRunner` instead of the native
 * interpreter: the model's `.tflite` is still read and hash-checked, but the
 * decode steps are computed in plain TypeScript from these weights. For tests
 * on machines (or CI jobs) without the native addon, and for comparing the
 * real graph against the reference.
 */
export interface FakeRunnerSpec {
  /** Selects the fake llama runner. */
  kind: 'fake-llama';
  /** Float32 weights matching the bundle's hyper-parameters (copied to the worker). */
  weights: LlamaWeights;
}

/**
 * Which interpreter runs a model's graph: `'native'` (tfjs-tflite-node, the
 * default) or a {@link FakeRunnerSpec}.
 */
export type RunnerSpec = 'native' | FakeRunnerSpec;
