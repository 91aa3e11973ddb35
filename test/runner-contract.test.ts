/**
 * The ModelRunner contract for llama decode-step graphs (graph-io.ts), run
 * against the native tfjs-tflite-node interpreter and the portable
 * (WebAssembly) runner on a graph from buildLlamaTflite, and against
 * tinyedge/testing's FakeLlamaRunner.
 *
 * Native runners are created on this test's own thread: no inference worker
 * may run in this file (the addon must stay on one thread per process).
 */
import { describe, expect, it } from 'vitest';
import { buildLlamaTflite } from '../src/models/llama/build-llama-tflite.js';
import type { LlamaConfig } from '../src/models/llama/config.js';
import { LOGITS_OUTPUT, POS_INPUT, TOKEN_INPUT, WANT_LOGITS_INPUT, kCacheName, kNewName, vCacheName, vNewName } from '../src/models/llama/graph-io.js';
import { randomLlamaWeights } from '../src/models/llama/random-llama-weights.js';
import { createNativeRunner } from '../src/runtime/create-native-runner.js';
import { createPortableRunner } from '../src/runtime/portable/create-portable-runner.js';
import { KvCacheDecoder } from '../src/runtime/kv-cache-decoder.js';
import type { ModelRunner, RunnerTensor } from '../src/runtime/runner.js';
import { FakeLlamaRunner } from '../src/testing/fake-llama-runner.js';

/** Grouped-query attention and a separate classifier, so both code paths are in play. */
const config: LlamaConfig = { dim: 48, hiddenDim: 96, nLayers: 3, nHeads: 6, nKvHeads: 2, vocabSize: 300, seqLen: 64, sharedClassifier: false };
const weights = randomLlamaWeights(config, 11);
const fp32 = buildLlamaTflite(config, weights, { quantize: 'none' });
const int8 = buildLlamaTflite(config, weights, { quantize: 'int8' });
const headSize = config.dim / config.nHeads;
const STEPS = 48;
/** A fixed token sequence to feed (teacher forcing): BOS then a spread of ids. */
const SEQUENCE = [1, ...Array.from({ length: STEPS - 1 }, (_, i) => (i * 37 + 11) % config.vocabSize)];

const implementations: Array<[string, () => Promise<ModelRunner>]> = [
  ['native', () => createNativeRunner(fp32)],
  ['portable', () => createPortableRunner(fp32)],
  ['fake', async () => new FakeLlamaRunner(config, weights)],
];

function tensors(list: RunnerTensor[]): Map<string, RunnerTensor> {
  return new Map(list.map((t) => [t.name, t]));
}

/** Teacher-forced logits for `tokens` at positions 0.., copied out per step. */
function run(runner: ModelRunner, tokens: readonly number[]): Float32Array[] {
  const decoder = new KvCacheDecoder(runner, config);
  return tokens.map((t, pos) => decoder.step(t, pos).slice());
}

function argmax(v: Float32Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}

function greedy(runner: ModelRunner, steps: number): number[] {
  const decoder = new KvCacheDecoder(runner, config);
  const out: number[] = [];
  let token = 1;
  for (let pos = 0; pos < steps; pos++) {
    token = argmax(decoder.step(token, pos));
    out.push(token);
  }
  return out;
}

function maxAbsDiff(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((row, s) => row.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - b[s]![i]!)))));
  return worst;
}

describe.each(implementations)('ModelRunner contract: %s', (_name, create) => {
  it('has exactly the graph-io inputs and outputs, by name, type and shape', async () => {
    const runner = await create();
    const describeAll = (list: RunnerTensor[]): Record<string, string> =>
      Object.fromEntries(list.map((t) => [t.name, `${t.dataType} ${t.shape}`]));
    const cache = `float32 ${config.nKvHeads},${config.seqLen},${headSize}`;
    const row = `float32 ${config.nKvHeads},${headSize}`;
    const inputs: Record<string, string> = { [TOKEN_INPUT]: 'int32 1', [POS_INPUT]: 'int32 1', [WANT_LOGITS_INPUT]: 'int32 1' };
    const outputs: Record<string, string> = { [LOGITS_OUTPUT]: `float32 1,${config.vocabSize}` };
    for (let l = 0; l < config.nLayers; l++) {
      inputs[kCacheName(l)] = cache;
      inputs[vCacheName(l)] = cache;
      outputs[kNewName(l)] = row;
      outputs[vNewName(l)] = row;
    }
    expect(describeAll(runner.getInputs())).toEqual(inputs);
    expect(describeAll(runner.getOutputs())).toEqual(outputs);
    runner.getInputs().forEach((t, i) => expect(t.id).toBe(i));
  });

  it('reuses one host buffer per tensor across calls', async () => {
    const runner = await create();
    const logits = tensors(runner.getOutputs()).get(LOGITS_OUTPUT)!;
    const before = logits.data();
    runner.infer();
    expect(logits.data()).toBe(before);
    expect(tensors(runner.getOutputs()).get(LOGITS_OUTPUT)!.data()).toBe(before);
    expect(before).toBeInstanceOf(Float32Array);
    expect(tensors(runner.getInputs()).get(TOKEN_INPUT)!.data()).toBeInstanceOf(Int32Array);
  });

  it('gives the same logits for the same token sequence', async () => {
    const a = run(await create(), SEQUENCE.slice(0, 16));
    const b = run(await create(), SEQUENCE.slice(0, 16));
    expect(maxAbsDiff(a, b)).toBe(0);
    expect(a[15]!.some((v) => v !== a[14]![0])).toBe(true);
  });

  it('skips the classifier when no logits are wanted, and the sequence goes on unchanged', async () => {
    const all = run(await create(), SEQUENCE.slice(0, 12));
    const decoder = new KvCacheDecoder(await create(), config);
    const skipped = SEQUENCE.slice(0, 12).map((t, pos) => decoder.step(t, pos, pos === 11).slice());
    for (const row of skipped.slice(0, 11)) expect(row.every((v) => v === 0)).toBe(true);
    expect(maxAbsDiff([skipped[11]!], [all[11]!])).toBeLessThan(1e-6);
  });

  it('ignores cache rows at and beyond pos', async () => {
    const clean = run(await create(), SEQUENCE.slice(0, 8));
    const runner = await create();
    const inputs = tensors(runner.getInputs());
    const decoder = new KvCacheDecoder(runner, config);
    const dirty: Float32Array[] = [];
    SEQUENCE.slice(0, 8).forEach((token, pos) => {
      for (let l = 0; l < config.nLayers; l++) {
        for (const name of [kCacheName(l), vCacheName(l)]) {
          const cache = inputs.get(name)!.data() as Float32Array;
          for (let h = 0; h < config.nKvHeads; h++) {
            cache.fill(1000 + pos, (h * config.seqLen + pos) * headSize, (h + 1) * config.seqLen * headSize);
          }
        }
      }
      dirty.push(decoder.step(token, pos).slice());
    });
    expect(maxAbsDiff(dirty, clean)).toBe(0);
  });

  it('attends to whatever the cache inputs hold (a restored cache continues its own sequence)', async () => {
    const a = SEQUENCE.slice(0, 6);
    const b = [1, 200, 201, 202, 203];
    const expected = run(await create(), a)[5]!;
    const runner = await create();
    const inputs = runner.getInputs().filter((t) => t.name.includes('_cache_'));
    const decoder = new KvCacheDecoder(runner, config);
    a.slice(0, 5).forEach((t, pos) => decoder.step(t, pos));
    const snapshot = inputs.map((t) => (t.data() as Float32Array).slice());
    b.forEach((t, pos) => decoder.step(t, pos));
    inputs.forEach((t, i) => (t.data() as Float32Array).set(snapshot[i]!));
    expect(maxAbsDiff([decoder.step(a[5]!, 5).slice()], [expected])).toBe(0);
  });
});

describe('fake and native agree', () => {
  it(`fp32: logits within 1e-4 over ${STEPS} steps, same greedy tokens`, async () => {
    const native = run(await createNativeRunner(fp32), SEQUENCE);
    const fake = run(new FakeLlamaRunner(config, weights), SEQUENCE);
    const diff = maxAbsDiff(native, fake);
    console.log(`runner contract: fp32 native vs fake max |diff| = ${diff.toExponential(2)} over ${STEPS} steps`);
    expect(diff).toBeLessThan(1e-4);
    expect(greedy(await createNativeRunner(fp32), STEPS)).toEqual(greedy(new FakeLlamaRunner(config, weights), STEPS));
  });

  it('int8: reports the difference and the greedy agreement', async () => {
    const native = run(await createNativeRunner(int8), SEQUENCE);
    const fake = run(new FakeLlamaRunner(config, weights), SEQUENCE);
    const a = greedy(await createNativeRunner(int8), STEPS);
    const b = greedy(new FakeLlamaRunner(config, weights), STEPS);
    const agree = a.filter((t, i) => t === b[i]).length;
    const firstMiss = a.findIndex((t, i) => t !== b[i]);
    const sameArgmax = native.filter((row, i) => argmax(row) === argmax(fake[i]!)).length;
    console.log(
      `runner contract: int8 native vs fp32 fake max |diff| = ${maxAbsDiff(native, fake).toFixed(4)}; ` +
        `teacher-forced argmax agreement ${sameArgmax}/${STEPS}; free greedy ${agree}/${STEPS} (first divergence at ${firstMiss})`,
    );
    expect(sameArgmax / STEPS).toBeGreaterThan(0.8);
  });

  it('the fake refuses a cache that was not written back', () => {
    const runner = new FakeLlamaRunner(config, weights);
    const inputs = tensors(runner.getInputs());
    (inputs.get(TOKEN_INPUT)!.data() as Int32Array)[0] = 1;
    runner.infer();
    (inputs.get(POS_INPUT)!.data() as Int32Array)[0] = 1;
    expect(() => runner.infer()).toThrow(/row 0 does not hold the .*_new_0 output of position 0/);
  });
});
