import { dirname, isAbsolute, resolve } from 'node:path';
import { Ajv } from 'ajv';
import type { ErrorObject } from 'ajv';
import { TinyEdgeError } from '../errors.js';

/**
 * What `tinyedge train --config <train.json>` reads: where the corpus is,
 * the tokenizer's size, the model's shape, how long and how to train, and
 * where the bundle goes. Paths are relative to the config file.
 *
 * @example
 * ```json
 * {
 *   "name": "my-oven",
 *   "corpus": { "train": ["data/train.jsonl"], "test": ["data/test.jsonl"] },
 *   "tokenizer": { "vocabSize": 512 },
 *   "model": { "dim": 128, "hiddenDim": 384, "nLayers": 4, "nHeads": 4, "nKvHeads": 2, "seqLen": 128 },
 *   "training": { "steps": 2000, "batchSize": 32, "learningRate": 0.002, "seed": 7 },
 *   "output": { "bundle": "bundle", "licence": "Apache-2.0" }
 * }
 * ```
 */
export interface TrainConfig {
  /** Bundle name: letters, digits, `.`, `_`, `-`. */
  name: string;
  /** Bundle version. Default `0.1.0`. */
  version?: string;
  /** Free-text description stored in the bundle's manifest. */
  description?: string;
  /** JSON Lines corpora of `{"text": "...", "action": {...}}` objects. */
  corpus: {
    /** Files the model is trained on. */
    train: string[];
    /** Held-out files: the final exact-match evaluation runs on them. Default none. */
    test?: string[];
  };
  /** The byte-level BPE tokenizer trained on the training texts and actions. */
  tokenizer: {
    /** Tokens in the vocabulary, special tokens and the 256 bytes included. */
    vocabSize: number;
  };
  /** The decoder's shape (llama2.c terms; see `LlamaConfig`). */
  model: {
    /** Width of the residual stream. */
    dim: number;
    /** Width of the SwiGLU hidden layer. */
    hiddenDim: number;
    /** Transformer blocks. */
    nLayers: number;
    /** Query heads; `dim / nHeads` must be even. */
    nHeads: number;
    /** Key/value heads; divides `nHeads`. Default `nHeads`. */
    nKvHeads?: number;
    /** Context in tokens; longer examples are skipped (and counted). Default 128. */
    seqLen?: number;
    /** Reuse the embedding table as the classifier. Default true. */
    sharedClassifier?: boolean;
  };
  /** Optimisation. */
  training: {
    /** Optimizer steps. */
    steps: number;
    /** Examples per step. */
    batchSize: number;
    /** Peak learning rate (after warmup). */
    learningRate: number;
    /** Learning rate at the last step (cosine decay). Default `learningRate / 10`. */
    minLearningRate?: number;
    /** Linear warmup steps. Default 5% of `steps`. */
    warmupSteps?: number;
    /** Decoupled (AdamW) weight decay on matrices. Default 0.1. */
    weightDecay?: number;
    /** Global gradient-norm clip; 0 for none. Default 1. */
    gradClip?: number;
    /** Seed of the initial weights and of the data order. */
    seed: number;
    /** Steps between checkpoints. Default 100. */
    checkpointEvery?: number;
  };
  /** Where the results go. */
  output: {
    /** Bundle directory to write (an existing bundle there is replaced). */
    bundle: string;
    /** Checkpoint directory. Default `<bundle>.checkpoints` beside the bundle. */
    checkpoints?: string;
    /** Weight storage in the bundle. Default `int8`. */
    quantize?: 'none' | 'int8';
    /** Licence of the trained weights, e.g. `Apache-2.0`. */
    licence: string;
  };
}

/** The JSON Schema of {@link TrainConfig}, checked with ajv. */
export const TRAIN_CONFIG_SCHEMA = {
  $id: 'https://tinyedge.dev/schemas/train.json',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'corpus', 'tokenizer', 'model', 'training', 'output'],
  properties: {
    $schema: { type: 'string' },
    name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' },
    version: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    corpus: {
      type: 'object',
      additionalProperties: false,
      required: ['train'],
      properties: {
        train: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
        test: { type: 'array', items: { type: 'string', minLength: 1 } },
      },
    },
    tokenizer: {
      type: 'object',
      additionalProperties: false,
      required: ['vocabSize'],
      properties: { vocabSize: { type: 'integer', minimum: 260, maximum: 65536 } },
    },
    model: {
      type: 'object',
      additionalProperties: false,
      required: ['dim', 'hiddenDim', 'nLayers', 'nHeads'],
      properties: {
        dim: { type: 'integer', minimum: 2, maximum: 4096 },
        hiddenDim: { type: 'integer', minimum: 1, maximum: 16384 },
        nLayers: { type: 'integer', minimum: 1, maximum: 64 },
        nHeads: { type: 'integer', minimum: 1, maximum: 256 },
        nKvHeads: { type: 'integer', minimum: 1, maximum: 256 },
        seqLen: { type: 'integer', minimum: 4, maximum: 4096 },
        sharedClassifier: { type: 'boolean' },
      },
    },
    training: {
      type: 'object',
      additionalProperties: false,
      required: ['steps', 'batchSize', 'learningRate', 'seed'],
      properties: {
        steps: { type: 'integer', minimum: 1 },
        batchSize: { type: 'integer', minimum: 1, maximum: 4096 },
        learningRate: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
        minLearningRate: { type: 'number', minimum: 0, maximum: 1 },
        warmupSteps: { type: 'integer', minimum: 0 },
        weightDecay: { type: 'number', minimum: 0, maximum: 10 },
        gradClip: { type: 'number', minimum: 0 },
        seed: { type: 'integer' },
        checkpointEvery: { type: 'integer', minimum: 1 },
      },
    },
    output: {
      type: 'object',
      additionalProperties: false,
      required: ['bundle', 'licence'],
      properties: {
        bundle: { type: 'string', minLength: 1 },
        checkpoints: { type: 'string', minLength: 1 },
        quantize: { enum: ['none', 'int8'] },
        licence: { type: 'string', minLength: 1 },
      },
    },
  },
} as const;

const validate = new Ajv({ allErrors: false, strict: true }).compile(TRAIN_CONFIG_SCHEMA);

/**
 * Check a parsed `train.json` against {@link TRAIN_CONFIG_SCHEMA} and the
 * rules a schema cannot say (heads divide the width into even head sizes,
 * key/value heads divide the query heads, the minimum learning rate is at
 * most the peak), and resolve its paths against `baseDir`.
 *
 * @param value - the result of `JSON.parse`
 * @param source - where it came from, for messages (the file's path)
 * @param baseDir - directory relative paths are resolved from (the file's directory). Default: that of `source`.
 * @returns the config with every path absolute
 * @throws TinyEdgeError `E_TRAIN_CONFIG` naming the first field that is wrong
 * @example
 * ```ts
 * const config = parseTrainConfig(JSON.parse(await readFile('train.json', 'utf8')), 'train.json');
 * ```
 */
export function parseTrainConfig(value: unknown, source: string, baseDir: string = dirname(resolve(source))): TrainConfig {
  if (!validate(value)) {
    const err = validate.errors?.[0];
    throw configError(source, err === undefined ? 'is not a valid training config' : describeError(err));
  }
  const config = structuredClone(value) as unknown as TrainConfig;
  const m = config.model;
  if (m.dim % m.nHeads !== 0) throw configError(source, `model.nHeads (${m.nHeads}) must divide model.dim (${m.dim})`);
  if ((m.dim / m.nHeads) % 2 !== 0) throw configError(source, `model.dim / model.nHeads (${m.dim / m.nHeads}) must be even for RoPE`);
  const kv = m.nKvHeads ?? m.nHeads;
  if (m.nHeads % kv !== 0) throw configError(source, `model.nKvHeads (${kv}) must divide model.nHeads (${m.nHeads})`);
  const t = config.training;
  if (t.minLearningRate !== undefined && t.minLearningRate > t.learningRate) {
    throw configError(source, `training.minLearningRate (${t.minLearningRate}) must be at most training.learningRate (${t.learningRate})`);
  }
  if (t.warmupSteps !== undefined && t.warmupSteps > t.steps) {
    throw configError(source, `training.warmupSteps (${t.warmupSteps}) must be at most training.steps (${t.steps})`);
  }
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
  config.corpus.train = config.corpus.train.map(abs);
  if (config.corpus.test) config.corpus.test = config.corpus.test.map(abs);
  config.output.bundle = abs(config.output.bundle);
  config.output.checkpoints = config.output.checkpoints === undefined ? `${config.output.bundle}.checkpoints` : abs(config.output.checkpoints);
  return config;
}

function describeError(err: ErrorObject): string {
  const where = err.instancePath === '' ? 'the config' : err.instancePath.slice(1).replaceAll('/', '.');
  if (err.keyword === 'additionalProperties') {
    return `${where} has an unknown field "${String(err.params['additionalProperty'])}"`;
  }
  if (err.keyword === 'required') return `${where} is missing the field "${String(err.params['missingProperty'])}"`;
  return `${where} ${err.message ?? 'is invalid'}`;
}

function configError(source: string, detail: string): TinyEdgeError {
  return new TinyEdgeError('E_TRAIN_CONFIG', `${source}: ${detail}`, 'Fix the training config; docs/training.md lists every field with its default.');
}
