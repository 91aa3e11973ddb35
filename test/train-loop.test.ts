import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTinyEdgeError } from '../src/errors.js';
import type { LlamaConfig } from '../src/models/llama/config.js';
import { BpeTokenizer } from '../src/tokenizers/bpe-tokenizer.js';
import { learningRateAt } from '../src/train/lr-schedule.js';
import { runTrainingLoop } from '../src/train/train-loop.js';
import type { TrainingHyperparameters, TrainingLoopOptions } from '../src/train/train-loop.js';
import { DataOrder, encodeExample } from '../src/train/training-data.js';
import type { EncodedExample } from '../src/train/training-data.js';
import { tinyApplianceCorpus } from './support/tiny-appliance-corpus.js';

let dir: string;
let examples: EncodedExample[];
let config: LlamaConfig;
let padId: number;

const HYPER: TrainingHyperparameters = {
  steps: 12, batchSize: 8, learningRate: 5e-3, minLearningRate: 5e-4, warmupSteps: 2, weightDecay: 0.1, gradClip: 1, seed: 42,
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tinyedge-train-loop-'));
  const corpus = tinyApplianceCorpus(200);
  const tok = BpeTokenizer.train(corpus.flatMap((e) => [e.text, e.actionText]), { vocabSize: 320 });
  examples = corpus.map((e) => encodeExample(tok, e));
  padId = tok.eosId;
  config = { dim: 32, hiddenDim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, vocabSize: tok.vocabSize, seqLen: 64, sharedClassifier: true };
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function options(over: Partial<TrainingLoopOptions> = {}): TrainingLoopOptions {
  return { config, examples, padId, hyper: HYPER, fingerprint: 'test-run', checkpointEvery: 4, ...over };
}

async function finalWeights(over: Partial<TrainingLoopOptions>): Promise<{ weights: Float32Array[]; losses: number[]; resumedFrom: number | null }> {
  const run = await runTrainingLoop(options(over));
  const weights = run.model.namedVariables().map((v) => Float32Array.from(v.variable.dataSync() as Float32Array));
  run.model.dispose();
  return { weights, losses: run.losses, resumedFrom: run.resumedFrom };
}

describe('training loop', () => {
  it('the loss on a tiny corpus falls by more than half in 40 steps', async () => {
    const run = await runTrainingLoop(options({ hyper: { ...HYPER, steps: 40, batchSize: 16 } }));
    const first = run.losses.slice(0, 3).reduce((a, b) => a + b) / 3;
    const last = run.losses.slice(-3).reduce((a, b) => a + b) / 3;
    run.model.dispose();
    expect(run.losses).toHaveLength(40);
    expect(last).toBeLessThan(first / 2);
  });

  it('a run stopped by its signal and resumed ends with the weights of an uninterrupted run, bit for bit', async () => {
    const straight = await finalWeights({ checkpointDir: join(dir, 'straight') });
    const ckpt = join(dir, 'stopped');
    const controller = new AbortController();
    const stopped = runTrainingLoop(options({ checkpointDir: ckpt, signal: controller.signal, onStep: (s) => { if (s.step === 6) controller.abort(); } }));
    await expect(stopped).rejects.toSatisfy((err: unknown) => isTinyEdgeError(err, 'E_ABORTED'));
    expect(JSON.parse(await readFile(join(ckpt, 'checkpoint.json'), 'utf8')).step).toBe(6);
    const resumed = await finalWeights({ checkpointDir: ckpt, resume: true });
    expect(resumed.resumedFrom).toBe(6);
    expect(resumed.losses).toEqual(straight.losses);
    resumed.weights.forEach((w, i) => expect(w).toEqual(straight.weights[i]));
  });

  it('a run killed between checkpoints resumes from the last one and still ends identical', async () => {
    const straight = await finalWeights({ checkpointDir: join(dir, 'straight-2') });
    const ckpt = join(dir, 'killed');
    // a crash at step 7: no checkpoint is written on the way out, the last one is step 4's
    const crashed = runTrainingLoop(options({ checkpointDir: ckpt, onStep: (s) => { if (s.step === 7) throw new Error('killed'); } }));
    await expect(crashed).rejects.toThrow('killed');
    const resumed = await finalWeights({ checkpointDir: ckpt, resume: true });
    expect(resumed.resumedFrom).toBe(4);
    resumed.weights.forEach((w, i) => expect(w).toEqual(straight.weights[i]));
  });

  it('refuses to resume from the checkpoint of another run, or a damaged one', async () => {
    const ckpt = join(dir, 'foreign');
    (await runTrainingLoop(options({ checkpointDir: ckpt, hyper: { ...HYPER, steps: 4 } }))).model.dispose();
    const foreign = runTrainingLoop(options({ checkpointDir: ckpt, resume: true, fingerprint: 'another-run' }));
    await expect(foreign).rejects.toSatisfy((err: unknown) => isTinyEdgeError(err, 'E_TRAIN_CHECKPOINT'));
    const index = JSON.parse(await readFile(join(ckpt, 'checkpoint.json'), 'utf8')) as { file: string };
    await writeFile(join(ckpt, index.file), new Uint8Array(16));
    const damaged = runTrainingLoop(options({ checkpointDir: ckpt, resume: true }));
    await expect(damaged).rejects.toSatisfy((err: unknown) => isTinyEdgeError(err, 'E_TRAIN_CHECKPOINT') && /SHA-256/.test(err.message));
  });
});

describe('data order and learning rate', () => {
  it('each epoch is a permutation of the corpus, fixed by the seed, different per epoch', () => {
    const a = new DataOrder(50, 7);
    const epoch0 = Array.from({ length: 50 }, (_, i) => a.at(i));
    const epoch1 = Array.from({ length: 50 }, (_, i) => a.at(50 + i));
    expect([...epoch0].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(epoch1).not.toEqual(epoch0);
    const b = new DataOrder(50, 7);
    expect(b.at(73)).toBe(epoch1[23]);
    expect(new DataOrder(50, 8).at(0) === epoch0[0] && new DataOrder(50, 8).at(1) === epoch0[1]).toBe(false);
  });

  it('warms up linearly, peaks, then decays along a cosine to the minimum at the last step', () => {
    const s = { peak: 1e-3, min: 1e-4, warmup: 10, total: 111 };
    expect(learningRateAt(0, s)).toBeCloseTo(1e-4, 8);
    expect(learningRateAt(9, s)).toBeCloseTo(1e-3, 8);
    expect(learningRateAt(10, s)).toBeCloseTo(1e-3, 8);
    expect(learningRateAt(60, s)).toBeCloseTo((1e-3 + 1e-4) / 2, 8);
    expect(learningRateAt(110, s)).toBeCloseTo(1e-4, 8);
  });
});
