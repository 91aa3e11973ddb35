import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs-core';
import { TinyEdgeError } from '../errors.js';
import { buildLlamaModels } from '../models/llama/build-llama-tflite.js';
import type { LlamaConfig } from '../models/llama/config.js';
import type { BundleManifest } from '../runtime/bundle-manifest.js';
import type { Tokenizer, TokenizerKind } from '../runtime/tokenizer.js';
import { writeBundle } from '../runtime/write-bundle.js';
import { BpeTokenizer } from '../tokenizers/bpe-tokenizer.js';
import { evaluateGreedy } from './evaluate-greedy.js';
import type { EvaluationResult } from './evaluate-greedy.js';
import { readCorpus } from './read-corpus.js';
import type { CorpusExample } from './read-corpus.js';
import type { TfjsLlama } from './tfjs-llama.js';
import type { TrainConfig } from './train-config.js';
import { runTrainingLoop } from './train-loop.js';
import type { TrainStepReport, TrainingHyperparameters } from './train-loop.js';
import { DataOrder, encodeExample, makeBatch } from './training-data.js';
import type { EncodedExample } from './training-data.js';

/** A tokenizer ready for training: its file (for the bundle) and the runtime's view of it. */
export interface PreparedTokenizer {
  /** The bundle's tokenizer kind. */
  kind: TokenizerKind;
  /** The tokenizer file. */
  bytes: Uint8Array;
  /** The same file, read as the runtime reads it. */
  tokenizer: Tokenizer;
}

/** Makes the tokenizer of a run from the training corpus. */
export type TokenizerTrainer = (texts: readonly string[], vocabSize: number) => PreparedTokenizer | Promise<PreparedTokenizer>;

/** The stages {@link trainBundle} goes through, in order. */
export type TrainStage = 'corpus' | 'tokenizer' | 'train' | 'export' | 'evaluate';

/** Options of {@link trainBundle}. */
export interface TrainBundleOptions {
  /** Continue from the run's last checkpoint. */
  resume?: boolean;
  /** Stop after the current step (a checkpoint is written first). */
  signal?: AbortSignal;
  /** Called as each stage starts. */
  onStage?: (stage: TrainStage) => void;
  /** Called after every training step. */
  onStep?: (report: TrainStepReport) => void;
  /** Extra labelled sets to evaluate the bundle on, by name (never trained on). */
  evaluate?: Record<string, readonly CorpusExample[]>;
  /** How the tokenizer is made. Default {@link trainBpeForCorpus}. */
  trainTokenizer?: TokenizerTrainer;
}

/** What a run produced: the bundle, and figures for its model card. */
export interface TrainBundleResult {
  /** The bundle directory. */
  dir: string;
  /** Its manifest. */
  manifest: BundleManifest;
  /** Weights in the model. */
  parameters: number;
  /** Size of `model.tflite`, bytes. */
  modelBytes: number;
  /** Training examples used, and those skipped for not fitting the context. */
  examples: { train: number; skipped: number; test: number };
  /** Optimizer steps of the run. */
  steps: number;
  /** The step a resumed run continued from, or null. */
  resumedFrom: number | null;
  /** Mean training loss over the last 5% of steps (at least one), nats per action token. */
  finalLoss: number;
  /** Mean loss of the test split (teacher-forced, fp32 tfjs model), nats per action token; null without a test split. */
  testLoss: number | null;
  /** Training wall time over all sessions of the run, ms. */
  trainMs: number;
  /** Tokens (prompts and actions, padding excluded) trained on per second of training wall time. */
  tokensPerSecond: number;
  /** Greedy exact-match figures of the bundle's model, by set: `test` for the test split, then each extra set. */
  evaluation: Record<string, EvaluationResult>;
  /** Requests of the extra sets that also occur in the training texts (after white-space and case folding). */
  overlap: Record<string, number>;
  /** Wall time of the whole run, ms. */
  totalMs: number;
}

/**
 * Train a bundle end to end from a {@link TrainConfig}: read the corpus,
 * train the tokenizer on it, train the model (resumably), export it through
 * the TFLite writer into a bundle, and evaluate the bundle's model on the
 * test split and any extra sets with greedy decoding. A `train-report.json`
 * with the result is written into the checkpoint directory.
 *
 * @throws TinyEdgeError `E_NOT_FOUND` / `E_CORPUS_FORMAT` for corpus problems, `E_TRAIN_CHECKPOINT`
 *   for a bad checkpoint, `E_ABORTED` when stopped, `E_IO` when writing fails
 * @example
 * ```ts
 * const config = parseTrainConfig(JSON.parse(await readFile('train.json', 'utf8')), 'train.json');
 * const result = await trainBundle(config, { onStep: (s) => console.log(s.step, s.loss) });
 * ```
 */
export async function trainBundle(config: TrainConfig, options: TrainBundleOptions = {}): Promise<TrainBundleResult> {
  const t0 = performance.now();
  options.onStage?.('corpus');
  const train = await readCorpus(config.corpus.train);
  const test = config.corpus.test ? await readCorpus(config.corpus.test) : [];
  if (train.length === 0) {
    throw new TinyEdgeError('E_CORPUS_FORMAT', `the training corpus (${config.corpus.train.join(', ')}) holds no examples`, 'Point corpus.train at JSON Lines files of {"text", "action"} objects.');
  }

  options.onStage?.('tokenizer');
  const trainTokenizer = options.trainTokenizer ?? trainBpeForCorpus;
  const tok = await trainTokenizer(train.flatMap((e) => [e.text, e.actionText]), config.tokenizer.vocabSize);
  // a small corpus may run out of pairs to merge before the asked size: the model takes the real size
  const llama = { ...llamaConfigOf(config), vocabSize: tok.tokenizer.vocabSize };
  const encoded: EncodedExample[] = [];
  let skipped = 0;
  for (const example of train) {
    const e = encodeExample(tok.tokenizer, example);
    if (e.ids.length > llama.seqLen || e.ids.length <= e.promptLength) skipped++;
    else encoded.push(e);
  }
  if (encoded.length === 0) {
    throw new TinyEdgeError('E_CORPUS_FORMAT', `no training example fits the context of ${llama.seqLen} tokens`, 'Raise model.seqLen or shorten the examples.');
  }

  const hyper = hyperparametersOf(config);
  const fingerprint = createHash('sha256')
    .update(JSON.stringify({ llama, hyper }))
    .update(tok.bytes)
    .update(digestExamples(encoded))
    .digest('hex');

  options.onStage?.('train');
  const run = await runTrainingLoop({
    config: llama,
    examples: encoded,
    padId: tok.tokenizer.eosId,
    hyper,
    fingerprint,
    checkpointDir: config.output.checkpoints,
    checkpointEvery: config.training.checkpointEvery ?? 100,
    ...(options.resume === undefined ? {} : { resume: options.resume }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.onStep === undefined ? {} : { onStep: options.onStep }),
  });

  try {
    const testLoss = test.length === 0 ? null : meanLoss(run.model, test.map((e) => encodeExample(tok.tokenizer, e)).filter((e) => e.ids.length <= llama.seqLen), tok.tokenizer.eosId);
    options.onStage?.('export');
    const weights = run.model.toLlamaWeights();
    const quantize = config.output.quantize ?? 'int8';
    const { model, windowModel } = buildLlamaModels(llama, weights, quantize);
    const staging = `${config.output.bundle}.staging-${process.pid}`;
    await rm(staging, { recursive: true, force: true });
    const manifest = await writeBundle(staging, {
      name: config.name,
      ...(config.version === undefined ? {} : { version: config.version }),
      config: llama,
      quantization: quantize,
      model,
      ...(windowModel === undefined ? {} : { windowModel }),
      tokenizer: { kind: tok.kind, bytes: tok.bytes, file: tok.kind === 'bpe' ? 'tokenizer.json' : 'tokenizer.bin' },
      licence: config.output.licence,
      description: config.description ?? `trained by tinyedge train (seed ${hyper.seed}, ${hyper.steps} steps)`,
    });
    await installBundle(staging, config.output.bundle, manifest);

    options.onStage?.('evaluate');
    const evaluation: Record<string, EvaluationResult> = {};
    const sets: Record<string, readonly CorpusExample[]> = { ...(test.length > 0 ? { test } : {}), ...options.evaluate };
    for (const [name, examples] of Object.entries(sets)) {
      evaluation[name] = await evaluateGreedy({ model, config: llama, tokenizer: tok.tokenizer, examples });
    }
    const seen = new Set(train.map((e) => fold(e.text)));
    const overlap: Record<string, number> = {};
    for (const [name, examples] of Object.entries(options.evaluate ?? {})) overlap[name] = examples.filter((e) => seen.has(fold(e.text))).length;

    const tail = Math.max(1, Math.round(run.losses.length * 0.05));
    const last = run.losses.slice(-tail);
    // the tokens of every step follow from the seed alone (DataOrder), resumed runs included
    const order = new DataOrder(encoded.length, hyper.seed);
    let trainTokens = 0;
    for (let i = 0; i < hyper.steps * hyper.batchSize; i++) trainTokens += encoded[order.at(i)]!.ids.length - 1;
    const result: TrainBundleResult = {
      dir: config.output.bundle,
      manifest,
      parameters: run.model.parameterCount(),
      modelBytes: model.byteLength,
      examples: { train: encoded.length, skipped, test: test.length },
      steps: hyper.steps,
      resumedFrom: run.resumedFrom,
      finalLoss: last.reduce((a, b) => a + b, 0) / last.length,
      testLoss,
      trainMs: run.elapsedMs,
      tokensPerSecond: trainTokens / (run.elapsedMs / 1000),
      evaluation,
      overlap,
      totalMs: performance.now() - t0,
    };
    if (config.output.checkpoints !== undefined) {
      await mkdir(config.output.checkpoints, { recursive: true });
      await writeFile(join(config.output.checkpoints, 'train-report.json'), `${JSON.stringify({ ...result, losses: run.losses }, null, 2)}\n`);
    }
    return result;
  } finally {
    run.model.dispose();
  }
}

/**
 * Move a bundle written in `staging` into `dir`: the files first, the
 * manifest last, then the files of a previous bundle there that the new one
 * lacks are removed. Other files in `dir` (a model card, the training
 * config) stay, which is why the bundle is not written there directly.
 */
async function installBundle(staging: string, dir: string, manifest: BundleManifest): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    let previous: string[] = [];
    try {
      previous = Object.keys((JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { files?: object }).files ?? {});
    } catch {
      // no previous bundle
    }
    for (const file of Object.keys(manifest.files)) await rename(join(staging, file), join(dir, file));
    await rename(join(staging, 'manifest.json'), join(dir, 'manifest.json'));
    for (const file of previous) {
      if (!(file in manifest.files) && /^[^/\\]+$/.test(file)) await rm(join(dir, file), { force: true });
    }
    await rm(staging, { recursive: true, force: true });
  } catch (err) {
    throw new TinyEdgeError('E_IO', `could not install the bundle into ${dir}: ${(err as Error).message}`, 'Check that the output directory is writable.', { cause: err });
  }
}

/** The {@link LlamaConfig} a training config describes. */
export function llamaConfigOf(config: TrainConfig): LlamaConfig {
  const m = config.model;
  return {
    dim: m.dim,
    hiddenDim: m.hiddenDim,
    nLayers: m.nLayers,
    nHeads: m.nHeads,
    nKvHeads: m.nKvHeads ?? m.nHeads,
    vocabSize: config.tokenizer.vocabSize,
    seqLen: m.seqLen ?? 128,
    sharedClassifier: m.sharedClassifier ?? true,
  };
}

/** The optimisation settings of a training config, defaults filled in. */
export function hyperparametersOf(config: TrainConfig): TrainingHyperparameters {
  const t = config.training;
  return {
    steps: t.steps,
    batchSize: t.batchSize,
    learningRate: t.learningRate,
    minLearningRate: t.minLearningRate ?? t.learningRate / 10,
    warmupSteps: t.warmupSteps ?? Math.round(t.steps * 0.05),
    weightDecay: t.weightDecay ?? 0.1,
    gradClip: t.gradClip ?? 1,
    seed: t.seed,
  };
}

/** Mean teacher-forced loss over `examples`, in batches of 64. */
function meanLoss(model: TfjsLlama, examples: readonly EncodedExample[], padId: number): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < examples.length; i += 64) {
    const batch = makeBatch(examples.slice(i, i + 64), padId);
    const t = tf.tidy(() => model.loss(batch));
    sum += t.dataSync()[0]! * batch.targets.length;
    t.dispose();
    count += batch.targets.length;
  }
  return count === 0 ? Number.NaN : sum / count;
}

function digestExamples(examples: readonly EncodedExample[]): Uint8Array {
  const h = createHash('sha256');
  for (const e of examples) {
    h.update(new Uint8Array(e.ids.buffer, e.ids.byteOffset, e.ids.byteLength));
    h.update(String(e.promptLength));
  }
  return h.digest();
}

function fold(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim();
}

/** The default: tinyedge's byte-level BPE, trained on the corpus's requests and actions. */
export const trainBpeForCorpus: TokenizerTrainer = (texts, vocabSize) => {
  const tok = BpeTokenizer.train(texts, { vocabSize });
  return { kind: 'bpe', bytes: tok.toBytes(), tokenizer: tok };
};
