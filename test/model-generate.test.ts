import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TinyEdgeError } from '../src/errors.js';
import { buildLlamaTflite } from '../src/models/llama/build-llama-tflite.js';
import type { LlamaConfig, LlamaWeights } from '../src/models/llama/config.js';
import { LlamaReference } from '../src/models/llama/llama-reference.js';
import { loadModel } from '../src/runtime/load-model.js';
import type { Model } from '../src/runtime/model.js';
import type { ModelEvents } from '../src/runtime/model-events.js';
import { writeBundle } from '../src/runtime/write-bundle.js';
import { createTinyLlamaBundle } from '../src/testing/create-tiny-llama-bundle.js';
import type { TinyLlamaBundle } from '../src/testing/create-tiny-llama-bundle.js';
import { Llama2cTokenizer } from '../src/tokenizers/llama2c-tokenizer.js';
import { buildTestTokenizer } from '../src/tokenizers/write-llama2c-tokenizer.js';

const PROMPT = 'Once upon a time';
/** Slow on purpose for the fake runner (plain-TS forward over 512 positions): abort and responsiveness need time to act in. */
const SLOW_CONFIG: LlamaConfig = { dim: 64, hiddenDim: 256, nLayers: 6, nHeads: 4, nKvHeads: 2, vocabSize: 512, seqLen: 512, sharedClassifier: false };

let tiny: TinyLlamaBundle;
let slow: TinyLlamaBundle;
let native: Model;
let fake: Model;
let slowFake: Model;

beforeAll(async () => {
  tiny = await createTinyLlamaBundle({ seed: 5 });
  slow = await createTinyLlamaBundle({ seed: 9, config: SLOW_CONFIG });
  [native, fake, slowFake] = await Promise.all([
    loadModel(tiny.dir),
    loadModel(tiny.dir, { runner: { kind: 'fake-llama', weights: tiny.weights } }),
    loadModel(slow.dir, { runner: { kind: 'fake-llama', weights: slow.weights } }),
  ]);
});

afterAll(async () => {
  await Promise.all([native?.close(), fake?.close(), slowFake?.close()]);
});

/** llama2.c run's loop with the reference forward and argmax: generated ids and the printed text. */
function referenceRun(config: LlamaConfig, weights: LlamaWeights, tokenizer: Uint8Array, prompt: string, steps: number): { tokens: number[]; printed: string } {
  const tok = Llama2cTokenizer.fromBytes(tokenizer, config.vocabSize);
  const promptTokens = tok.encode(prompt, { bos: true });
  const ref = new LlamaReference(config, weights);
  const sequence = [...promptTokens];
  let token = promptTokens[0]!;
  for (let pos = 0; pos < steps; pos++) {
    const logits = ref.forward(token, pos);
    let next: number;
    if (pos < promptTokens.length - 1) {
      next = promptTokens[pos + 1]!;
    } else {
      next = 0;
      for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[next]!) next = i;
      if (next === 1 || next === 2) break;
      sequence.push(next);
    }
    token = next;
  }
  return { tokens: sequence.slice(promptTokens.length), printed: tok.printedText(sequence) };
}

async function rejection(p: Promise<unknown>): Promise<TinyEdgeError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(TinyEdgeError);
  return err as TinyEdgeError;
}

describe('greedy generation', () => {
  it('follows llama2.c run: same tokens and printed text as the reference, fake and native', async () => {
    const steps = 40;
    const expected = referenceRun(tiny.config, tiny.weights, tiny.tokenizer, PROMPT, steps);
    expect(expected.tokens.length).toBeGreaterThan(10);
    for (const model of [fake, native]) {
      const generation = model.generate(PROMPT, { steps, temperature: 0 });
      let streamed = '';
      for await (const piece of generation) streamed += piece.text;
      const { tokens, text, stats } = await generation.result;
      const prompt = await generation.prompt;
      expect(tokens).toEqual(expected.tokens);
      expect(streamed).toBe(text);
      expect(prompt.text + text).toBe(expected.printed);
      expect(stats.promptTokens).toBe(prompt.tokens.length);
      expect(stats.generatedTokens).toBe(tokens.length);
    }
  });

  it('counts maxTokens and steps as llama2.c does', async () => {
    const a = await fake.generate(PROMPT, { maxTokens: 5, temperature: 0 }).result;
    expect(a.tokens).toHaveLength(5);
    expect(a.stopReason).toBe('maxTokens');
    const n = a.stats.promptTokens;
    const b = await fake.generate(PROMPT, { steps: n + 3, temperature: 0 }).result;
    expect(b.tokens).toEqual(a.tokens.slice(0, 4));
    const c = await fake.generate(PROMPT, { steps: n + 3, maxTokens: 2, temperature: 0 }).result;
    expect(c.tokens).toHaveLength(2);
  });

  it('stops when the context is full', async () => {
    const dir = join(tiny.dir, '..', `${tiny.manifest.name}-ctx8-${process.pid}`);
    await writeBundle(dir, {
      name: 'ctx8', config: tiny.config, quantization: 'none', contextLength: 8, model: tiny.model,
      tokenizer: { kind: 'llama2c', bytes: tiny.tokenizer }, licence: 'MIT',
    });
    await using small = await loadModel(dir, { runner: { kind: 'fake-llama', weights: tiny.weights } });
    const full = await small.generate('', { temperature: 0 }).result;
    expect(full.stopReason).toBe('contextFull');
    expect(full.tokens).toHaveLength(8); // BOS at 0, samples at positions 0..7
    const overflow = small.generate('Once upon a time there was a little girl named Lily', { temperature: 0 });
    const err = await rejection(overflow.result);
    expect(err.code).toBe('E_CONTEXT_OVERFLOW');
    expect(err.message).toMatch(/context holds 8/);
    expect(err.hint).toMatch(/at most 8 tokens/);
    await expect(overflow.prompt).rejects.toBe(err);
    await expect((async () => {
      for await (const _ of overflow) void _;
    })()).rejects.toBe(err);
  });
});

describe('sampling', () => {
  it('gives the same text for the same seed, and another for another seed', async () => {
    const options = { maxTokens: 30, temperature: 1, topP: 1 } as const;
    const a = await native.generate(PROMPT, { ...options, seed: 42 }).result;
    const b = await native.generate(PROMPT, { ...options, seed: 42 }).result;
    const c = await native.generate(PROMPT, { ...options, seed: 43 }).result;
    expect(b.tokens).toEqual(a.tokens);
    expect(b.text).toBe(a.text);
    expect(c.tokens).not.toEqual(a.tokens);
  });

  it('ends at a stop string and never returns it', async () => {
    const full = await fake.generate(PROMPT, { maxTokens: 40, temperature: 0 }).result;
    expect(full.text.length).toBeGreaterThanOrEqual(8);
    const middle = Math.floor(full.text.length / 2);
    const stop = full.text.slice(middle, middle + 2);
    const cut = full.text.indexOf(stop);
    const generation = fake.generate(PROMPT, { maxTokens: 40, temperature: 0, stop: [stop, 'never-there'] });
    const pieces: string[] = [];
    for await (const piece of generation) pieces.push(piece.text);
    const result = await generation.result;
    expect(result.stopReason).toBe('stop');
    expect(result.text).toBe(full.text.slice(0, cut));
    expect(pieces.join('')).toBe(result.text);
    const notFound = await fake.generate(PROMPT, { maxTokens: 40, temperature: 0, stop: ['never-there'] }).result;
    expect(notFound.text).toBe(full.text);
  });

  it('rejects bad options synchronously', () => {
    expect(() => native.generate(PROMPT, { temperature: -1 })).toThrow(RangeError);
    expect(() => native.generate(PROMPT, { maxTokens: 0 })).toThrow(RangeError);
    expect(() => native.generate(PROMPT, { stop: [''] })).toThrow(RangeError);
    expect(() => native.generate(42 as unknown as string)).toThrow(TypeError);
  });
});

describe('events and queueing', () => {
  it('fires inference:start, token and inference:end with counts, one generation at a time', async () => {
    const log: Array<[keyof ModelEvents, number]> = [];
    let tokenEvents = 0;
    const offs = [
      native.on('inference:start', (e) => log.push(['inference:start', e.requestId])),
      native.on('token', (e) => {
        expect(e.index).toBe(tokenEvents++ % 7);
      }),
      native.on('inference:end', (e) => {
        log.push(['inference:end', e.requestId]);
        expect(e.generatedTokens).toBe(7);
        expect(e.stats?.generatedTokens).toBe(7);
        expect(e.durationMs).toBeGreaterThanOrEqual(0);
        expect(e.inferMs).toBeGreaterThan(0);
      }),
    ];
    const first = native.generate(PROMPT, { maxTokens: 7, temperature: 0 });
    const second = native.generate('The cat', { maxTokens: 7, temperature: 0 });
    const [a, b] = await Promise.all([first.result, second.result]);
    for (const off of offs) off();
    expect(tokenEvents).toBe(14);
    expect(log.map(([e]) => e)).toEqual(['inference:start', 'inference:end', 'inference:start', 'inference:end']);
    expect(log[0]![1]).toBe(log[1]![1]);
    expect(a.stats.loadMs).toBe(native.loadMs);
    expect(b.stats.outsideInferFraction).toBeGreaterThanOrEqual(0);
    expect(b.stats.outsideInferFraction).toBeLessThan(1);
  });
});

describe('abort and close', () => {
  it('aborts mid-generation within a few tokens', async () => {
    const controller = new AbortController();
    slowFake.once('token', () => controller.abort());
    const result = await slowFake.generate('', { temperature: 0, signal: controller.signal }).result;
    expect(result.stopReason).toBe('aborted');
    expect(result.tokens.length).toBeGreaterThan(0);
    expect(result.tokens.length).toBeLessThan(100);
  });

  it('settles an already-aborted or queued request at once', async () => {
    const aborted = native.generate(PROMPT, { signal: AbortSignal.abort() });
    expect(await aborted.result).toMatchObject({ stopReason: 'aborted', tokens: [], text: '' });
    expect((await rejection(aborted.prompt)).code).toBe('E_ABORTED');

    const running = slowFake.generate('', { temperature: 0, maxTokens: 200 });
    await new Promise<void>((resolve) => slowFake.once('token', () => resolve()));
    const controller = new AbortController();
    const queued = slowFake.generate(PROMPT, { temperature: 0, signal: controller.signal });
    controller.abort();
    let runningDone = false;
    void running.result.then(() => (runningDone = true));
    expect((await queued.result).stopReason).toBe('aborted');
    expect(runningDone).toBe(false);
    expect((await running.result).tokens).toHaveLength(200);
  });

  it('stops generating when the consumer leaves the loop', async () => {
    const generation = slowFake.generate('', { temperature: 0 });
    for await (const piece of generation) {
      void piece;
      break;
    }
    const result = await generation.result;
    expect(result.stopReason).toBe('aborted');
    expect(result.tokens.length).toBeLessThan(100);
  });

  it('keeps the event loop responsive while generating', async () => {
    let last = performance.now();
    let worstGap = 0;
    let ticks = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      worstGap = Math.max(worstGap, now - last);
      last = now;
      ticks++;
    }, 5);
    const t0 = performance.now();
    const result = await slowFake.generate('', { temperature: 0, maxTokens: 300 }).result;
    const elapsed = performance.now() - t0;
    clearInterval(timer);
    expect(result.tokens).toHaveLength(300);
    // The generation must be long enough for the check to mean something.
    expect(elapsed).toBeGreaterThan(400);
    // Generating on this thread would stall the timer for the whole generation; in the worker
    // it keeps firing. The bounds leave room for a loaded CI machine.
    expect(ticks).toBeGreaterThan(elapsed / 50);
    expect(worstGap).toBeLessThan(Math.min(250, elapsed / 2));
  });

  it('fails pending generations with E_CLOSED on close, and refuses new ones', async () => {
    const model = await loadModel(slow.dir, { runner: { kind: 'fake-llama', weights: slow.weights } });
    const ends: Array<string> = [];
    model.on('inference:end', (e) => ends.push(`${e.stopReason}:${e.error?.code ?? ''}`));
    const running = model.generate('', { temperature: 0 });
    const queued = model.generate('', { temperature: 0 });
    await running.prompt;
    await model.close();
    expect((await rejection(running.result)).code).toBe('E_CLOSED');
    expect((await rejection(queued.result)).code).toBe('E_CLOSED');
    expect(ends).toEqual(['error:E_CLOSED']);
    expect(() => model.generate('x')).toThrow(/closed/);
    await model.close();
  });
});

describe('bad models become TinyEdgeErrors', () => {
  it('reports a graph that does not match the manifest, naming the tensor', async () => {
    const other = { ...tiny.config, seqLen: 32 };
    const dir = join(tiny.dir, '..', `mismatch-${process.pid}`);
    await writeBundle(dir, {
      name: 'mismatch', config: tiny.config, quantization: 'none', model: buildLlamaTflite(other, tiny.weights, { quantize: 'none' }),
      tokenizer: { kind: 'llama2c', bytes: tiny.tokenizer }, licence: 'MIT',
    });
    const err = await rejection(loadModel(dir));
    expect(err.code).toBe('E_MODEL_FORMAT');
    expect(err.message).toMatch(/k_cache_0" is float32 \[2, 32, 8\], expected float32 \[2, 64, 8\]/);
  });

  it('reports a corrupt .tflite with valid hashes', async () => {
    const dir = join(tiny.dir, '..', `garbage-${process.pid}`);
    const garbage = Uint8Array.from({ length: 4096 }, (_, i) => (i * 31 + 7) % 256);
    await writeBundle(dir, { name: 'garbage', config: tiny.config, quantization: 'none', model: garbage, tokenizer: { kind: 'llama2c', bytes: tiny.tokenizer }, licence: 'MIT' });
    expect((await rejection(loadModel(dir))).code).toBe('E_MODEL_FORMAT');
  });

  it('reports a tokenizer for another vocabulary', async () => {
    const dir = join(tiny.dir, '..', `tokmismatch-${process.pid}`);
    await writeBundle(dir, { name: 'tok', config: tiny.config, quantization: 'none', model: tiny.model, tokenizer: { kind: 'llama2c', bytes: buildTestTokenizer(400) }, licence: 'MIT' });
    expect((await rejection(loadModel(dir))).code).toBe('E_TOKENIZER_MISMATCH');
  });

  it('turns a fault inside the worker into E_INFERENCE', async () => {
    const wrong = { ...tiny.weights, finalNorm: new Float32Array(3) };
    const err = await rejection(loadModel(tiny.dir, { runner: { kind: 'fake-llama', weights: wrong } }));
    expect(err.code).toBe('E_INFERENCE');
    expect(err.message).toMatch(/finalNorm/);
  });
});

describe('process lifetime', () => {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const loadModelUrl = pathToFileURL(fileURLToPath(new URL('../src/runtime/load-model.ts', import.meta.url))).href;

  async function runChild(body: string): Promise<{ code: number | null; ms: number; stdout: string; stderr: string }> {
    const script = join(tiny.dir, `child-${Math.random().toString(36).slice(2)}.mts`);
    await writeFile(script, `import { loadModel } from ${JSON.stringify(loadModelUrl)};\nconst dir = ${JSON.stringify(tiny.dir)};\n${body}\n`);
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', tsx, script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(killer);
    return { code, ms: performance.now() - t0, stdout, stderr };
  }

  it('exits promptly after close()', async () => {
    const { code, stdout, stderr } = await runChild(`
      const model = await loadModel(dir);
      const { tokens } = await model.generate('Hi', { maxTokens: 5, temperature: 0 }).result;
      await model.close();
      console.log('generated', tokens.length);
      globalThis.closedAt = performance.now();
      process.on('exit', () => console.log('exit-after-ms', Math.round(performance.now() - globalThis.closedAt)));
    `);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/generated 5/);
    expect(Number(/exit-after-ms (\d+)/.exec(stdout)?.[1])).toBeLessThan(1000);
  });

  it('does not keep the process alive while idle, even without close()', async () => {
    const { code, stdout } = await runChild(`
      const model = await loadModel(dir);
      const { tokens } = await model.generate('Hi', { maxTokens: 3, temperature: 0 }).result;
      console.log('generated', tokens.length);
    `);
    expect(code).toBe(0);
    expect(stdout).toMatch(/generated 3/);
  });
});
