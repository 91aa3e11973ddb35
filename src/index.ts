/**
 * tinyedge: tiny language models on Raspberry Pi-class boards.
 *
 * @module tinyedge
 */

// Placeholder left by the infrastructure setup (build, docs, CI need an entry): replace freely.
export { TinyEdgeError, isTinyEdgeError } from './errors.js';
export type { TinyEdgeErrorCode } from './errors.js';

// Runtime: bundles, loading, generation.
export { loadModel } from './runtime/load-model.js';
export type { LoadModelOptions } from './runtime/load-model.js';
export { Model } from './runtime/model.js';
export { Generation } from './runtime/generation.js';
export type { GenerationPiece, GenerationResult, GenerationStats, PromptInfo, StopReason } from './runtime/generation.js';
export type { GenerateOptions } from './runtime/generate-options.js';
export type { InferenceEndEvent, InferenceStartEvent, ModelEvents, TokenEvent } from './runtime/model-events.js';
export type { Listener } from './runtime/typed-emitter.js';
export type { FakeRunnerSpec, RunnerSpec } from './runtime/runner-spec.js';
export type { ModelRunner, RunnerDataType, RunnerOptions, RunnerTensor } from './runtime/runner.js';
export { BUNDLE_FORMAT_VERSION, parseBundleManifest } from './runtime/bundle-manifest.js';
export type { BundleFileEntry, BundleManifest } from './runtime/bundle-manifest.js';
export { writeBundle } from './runtime/write-bundle.js';
export type { WriteBundleOptions } from './runtime/write-bundle.js';
export { readBundle } from './runtime/read-bundle.js';
export type { ModelBundle } from './runtime/read-bundle.js';
export { convertLlama2c } from './runtime/convert-llama2c.js';
export type { ConvertLlama2cOptions, ConvertLlama2cResult } from './runtime/convert-llama2c.js';
export type { TokenizerKind } from './runtime/tokenizer.js';

// Llama models: what the runtime's public types refer to, and what the demo needs to make a model.
export type { LlamaConfig, LlamaLayerWeights, LlamaWeights } from './models/llama/config.js';
export { randomLlamaWeights } from './models/llama/random-llama-weights.js';
export { writeLlama2cCheckpoint } from './models/llama/write-llama2c-checkpoint.js';
export { writeLlama2cTokenizer } from './tokenizers/write-llama2c-tokenizer.js';

// TFLite flatbuffers: write graphs, read any model back.
export { GraphBuilder } from './tflite/graph-builder.js';
export type { ConstantData, DType, Quantization, TensorRef } from './tflite/graph-builder.js';
export type { CastTypeName, FusedActivation, OperatorOptions } from './tflite/operator-options.js';
export { readTfliteModel } from './tflite/read-tflite-model.js';
export type {
  TfliteBuffer, TfliteMetadata, TfliteModelInfo, TfliteOperator, TfliteOperatorCode, TfliteQuantization,
  TfliteSignatureDef, TfliteSignatureTensor, TfliteSubgraph, TfliteTensor,
} from './tflite/tflite-model-info.js';
export { summarizeTfliteModel } from './tflite/summarize-tflite-model.js';
export type { TfliteDtypeBytes, TfliteModelSummary, TfliteOperatorCount, TfliteTensorSummary } from './tflite/tflite-model-summary.js';
export { formatTfliteSummary } from './tflite/format-tflite-summary.js';

// Llama-family models: the graph, the reference forward pass, llama2.c files.
export { buildLlamaModels, buildLlamaTflite, defaultAttentionWindow } from './models/llama/build-llama-tflite.js';
export type { BuildLlamaOptions, LlamaModels, LlamaQuantization } from './models/llama/build-llama-tflite.js';
export type { Int8Kernel } from './models/llama/llama-graph-ops.js';
export { LlamaReference } from './models/llama/llama-reference.js';
export { readLlama2cCheckpoint } from './models/llama/read-llama2c-checkpoint.js';
export { Llama2cTokenizer } from './tokenizers/llama2c-tokenizer.js';
