import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs-core';
import { TinyEdgeError } from '../errors.js';
import type { LlamaConfig } from '../models/llama/config.js';
import { AdamW } from './adamw.js';
import { clearCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { learningRateAt } from './lr-schedule.js';
import { useWasmBackend } from './tfjs-backend.js';
import { TfjsLlama } from './tfjs-llama.js';
import { DataOrder, makeBatch } from './training-data.js';
import type { EncodedExample } from './training-data.js';

/** Hyper-parameters of the optimisation, with defaults filled in. */
export interface TrainingHyperparameters {
  /** Optimizer steps. */
  steps: number;
  /** Examples per step. */
  batchSize: number;
  /** Peak learning rate. */
  learningRate: number;
  /** Learning rate at the last step. */
  minLearningRate: number;
  /** Linear warmup steps. */
  warmupSteps: number;
  /** AdamW weight decay on matrices. */
  weightDecay: number;
  /** Global gradient-norm clip, 0 for none. */
  gradClip: number;
  /** Seed of the initial weights and the data order. */
  seed: number;
}

/** What the loop reports after each step. */
export interface TrainStepReport {
  /** Steps done, 1-based. */
  step: number;
  /** Steps in the run. */
  steps: number;
  /** Mean cross-entropy of this step's batch over the action tokens, nats. */
  loss: number;
  /** Learning rate used. */
  learningRate: number;
  /** Tokens (padding excluded) per second over the steps of this session. */
  tokensPerSecond: number;
  /** Training wall time so far, ms, including earlier sessions of a resumed run. */
  elapsedMs: number;
  /** Estimated time left, ms. */
  etaMs: number;
}

/** Options of {@link runTrainingLoop}. */
export interface TrainingLoopOptions {
  /** The model's shape. */
  config: LlamaConfig;
  /** The training examples, encoded; none longer than `config.seqLen`. */
  examples: readonly EncodedExample[];
  /** Token id used for padding. */
  padId: number;
  /** Optimisation. */
  hyper: TrainingHyperparameters;
  /** Identifies the run; stored in checkpoints so that a resume cannot mix runs. */
  fingerprint: string;
  /** Checkpoint directory; none when absent. */
  checkpointDir?: string;
  /** Steps between checkpoints. Default 100. */
  checkpointEvery?: number;
  /** Continue from the checkpoint in `checkpointDir` when there is one. */
  resume?: boolean;
  /** Stop after the current step: a checkpoint is written, then `E_ABORTED` thrown. */
  signal?: AbortSignal;
  /** Called after every step. */
  onStep?: (report: TrainStepReport) => void;
}

/** What {@link runTrainingLoop} returns. */
export interface TrainingLoopResult {
  /** The trained model (its variables stay alive until `dispose()`). */
  model: TfjsLlama;
  /** Mean loss of every step, over all sessions of the run. */
  losses: number[];
  /** Training wall time, ms, over all sessions of the run. */
  elapsedMs: number;
  /** The step a resumed run continued from, or null for a fresh run. */
  resumedFrom: number | null;
}

/**
 * Train a llama decoder on encoded examples with AdamW, warmup and cosine
 * decay, global-norm clipping and the seeded data order of `DataOrder`,
 * writing a checkpoint every `checkpointEvery` steps and at the end. Same
 * inputs, same weights: a run interrupted at any point and resumed ends with
 * the very weights of an uninterrupted one (the WebAssembly backend is
 * single-threaded and every step is a pure function of the checkpointed
 * state).
 *
 * @throws TinyEdgeError `E_ABORTED` when `signal` aborts (after saving a checkpoint),
 *   `E_TRAIN_CHECKPOINT` for a damaged or foreign checkpoint, `E_IO` when one cannot be written,
 *   `E_BACKEND_UNAVAILABLE` when the WebAssembly backend cannot start
 */
export async function runTrainingLoop(options: TrainingLoopOptions): Promise<TrainingLoopResult> {
  await useWasmBackend();
  const { config, examples, hyper, fingerprint, checkpointDir, signal, onStep } = options;
  const every = options.checkpointEvery ?? 100;
  const model = TfjsLlama.init(config, hyper.seed);
  const vars = model.namedVariables();
  const optimizer = new AdamW(vars, { weightDecay: hyper.weightDecay });
  const order = new DataOrder(examples.length, hyper.seed);
  const schedule = { peak: hyper.learningRate, min: hyper.minLearningRate, warmup: hyper.warmupSteps, total: hyper.steps };

  let step = 0;
  let cursor = 0;
  let elapsedBefore = 0;
  let losses: number[] = [];
  let resumedFrom: number | null = null;
  try {
    if (checkpointDir !== undefined && options.resume === true) {
      const saved = await loadCheckpoint(checkpointDir, fingerprint);
      if (saved !== null) {
        restore(saved.tensors, vars, optimizer);
        ({ step, cursor, losses } = saved);
        elapsedBefore = saved.elapsedMs;
        resumedFrom = step;
      }
    } else if (checkpointDir !== undefined) {
      await clearCheckpoint(checkpointDir);
    }

    const sessionStart = performance.now();
    let sessionTokens = 0;
    const save = async (): Promise<void> => {
      if (checkpointDir === undefined) return;
      const tensors: Array<{ name: string; data: Float32Array }> = vars.map((v) => ({ name: v.name, data: Float32Array.from(v.variable.dataSync() as Float32Array) }));
      optimizer.state().forEach((data, i) => tensors.push({ name: `${vars[i >> 1]!.name}.${i % 2 === 0 ? 'm' : 'v'}`, data }));
      await saveCheckpoint(checkpointDir, { fingerprint, step, cursor, elapsedMs: elapsedBefore + performance.now() - sessionStart, losses, tensors });
    };

    while (step < hyper.steps) {
      if (signal?.aborted === true) {
        await save();
        throw new TinyEdgeError('E_ABORTED', `training stopped at step ${step} of ${hyper.steps}`, 'Run the same command with --resume to continue from the last checkpoint.');
      }
      const picked: EncodedExample[] = [];
      for (let i = 0; i < hyper.batchSize; i++) picked.push(examples[order.at(cursor + i)]!);
      const batch = makeBatch(picked, options.padId, config.seqLen);
      const lr = learningRateAt(step, schedule);
      const { value, grads } = tf.variableGrads(() => model.loss(batch), vars.map((v) => v.variable));
      const byName: Record<string, tf.Tensor> = {};
      for (const v of vars) byName[v.name] = grads[v.variable.name]!;
      let scale = 1;
      if (hyper.gradClip > 0) {
        const norm = Math.sqrt(tf.tidy(() => tf.addN(Object.values(byName).map((g) => tf.sum(tf.square(g))))).dataSync()[0]!);
        if (norm > hyper.gradClip) scale = hyper.gradClip / norm;
      }
      optimizer.update(byName, lr, step + 1, scale);
      const loss = value.dataSync()[0]!;
      tf.dispose([value, ...Object.values(grads)]);
      if (!Number.isFinite(loss)) {
        throw new TinyEdgeError('E_INFERENCE', `the loss became ${loss} at step ${step + 1}`, 'Lower training.learningRate (or raise warmupSteps) and train again.');
      }
      losses.push(loss);
      step++;
      cursor += hyper.batchSize;
      for (let i = 0; i < batch.segmentStart.length; i++) if (batch.segmentStart[i]! >= 0) sessionTokens++;
      const sessionMs = performance.now() - sessionStart;
      const elapsedMs = elapsedBefore + sessionMs;
      const stepsThisSession = step - (resumedFrom ?? 0);
      onStep?.({
        step,
        steps: hyper.steps,
        loss,
        learningRate: lr,
        tokensPerSecond: sessionTokens / (sessionMs / 1000),
        elapsedMs,
        etaMs: (sessionMs / stepsThisSession) * (hyper.steps - step),
      });
      if (step % every === 0 || step === hyper.steps) await save();
      // let timers (progress bars, signal handlers) run between steps
      await new Promise<void>((r) => setImmediate(r));
    }
    const elapsedMs = elapsedBefore + performance.now() - sessionStart;
    optimizer.dispose();
    return { model, losses, elapsedMs, resumedFrom };
  } catch (err) {
    optimizer.dispose();
    model.dispose();
    throw err;
  }
}

function restore(tensors: Array<{ name: string; data: Float32Array }>, vars: ReturnType<TfjsLlama['namedVariables']>, optimizer: AdamW): void {
  if (tensors.length !== 3 * vars.length) {
    throw new TinyEdgeError('E_TRAIN_CHECKPOINT', `the checkpoint holds ${tensors.length} arrays, expected ${3 * vars.length}`, 'Delete the checkpoint directory and train from the start.');
  }
  tf.tidy(() => {
    vars.forEach((v, i) => {
      const t = tensors[i]!;
      if (t.name !== v.name || t.data.length !== v.variable.size) {
        throw new TinyEdgeError('E_TRAIN_CHECKPOINT', `checkpoint array ${i} is ${t.name} (${t.data.length}), expected ${v.name} (${v.variable.size})`, 'Delete the checkpoint directory and train from the start.');
      }
      v.variable.assign(tf.tensor(t.data, v.variable.shape));
    });
  });
  optimizer.setState(tensors.slice(vars.length).map((t) => t.data));
}
