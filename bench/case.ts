/**
 * One benchmark case, run in a child process of `bench/run.ts` so that its
 * peak RSS is its own. Reads the case as JSON from argv[2] and prints one
 * JSON line with the figures.
 */
import { readFile } from 'node:fs/promises';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { buildLlamaTflite } from '../src/models/llama/build-llama-tflite.js';
import type { LlamaConfig } from '../src/models/llama/config.js';
import { LlamaReference } from '../src/models/llama/llama-reference.js';
import { randomLlamaWeights } from '../src/models/llama/random-llama-weights.js';
import { readLlama2cCheckpoint } from '../src/models/llama/read-llama2c-checkpoint.js';
import { createNativeRunner } from '../src/runtime/create-native-runner.js';
import { KvCacheDecoder } from '../src/runtime/kv-cache-decoder.js';
import { WindowedDecoder, type DecodeStep } from '../src/runtime/windowed-decoder.js';
import { runLlamaCppPeer } from './gguf/llama-cpp-peer.js';
import { BENCH_PROMPT } from './shapes.js';

/** What a child process is asked to measure. */
export type BenchCase =
  | { kind: 'tinyedge'; bundle: string; maxTokens: number }
  | { kind: 'reference'; checkpoint: string; promptTokens: number[]; maxTokens: number }
  | { kind: 'llama.cpp'; gguf: string; promptTokens: number[]; maxTokens: number }
  | { kind: 'kv-cache'; config: LlamaConfig; seed: number; steps: number }
  | { kind: 'attention-window'; config: LlamaConfig; seed: number; window: number };

/** Figures a case reports; absent where they do not apply. */
export interface CaseResult {
  loadMs?: number;
  /** Time to first token of the first request after loading. */
  coldTimeToFirstTokenMs?: number;
  timeToFirstTokenMs?: number;
  tokensPerSecond?: number;
  generatedTokens?: number;
  outsideInferFraction?: number;
  eventLoopLagP99Ms?: number;
  eventLoopLagMaxMs?: number;
  kvCacheMsPerToken?: { io: number; variables: number };
  /** ms/token before and after the window's edge: full graph, IF window, two interpreters. */
  attentionWindowMsPerToken?: Record<'fullBefore' | 'fullAfter' | 'ifWindowBefore' | 'ifWindowAfter' | 'twoModelsBefore' | 'twoModelsAfter', number>;
  peakRssMb: number;
}

const peakRssMb = (): number => process.resourceUsage().maxRSS / 1024;

async function tinyedge(c: Extract<BenchCase, { kind: 'tinyedge' }>): Promise<CaseResult> {
  // The built package, as users run it: its worker starts without a TypeScript loader.
  const { loadModel } = (await import(new URL('../dist/index.js', import.meta.url).href)) as typeof import('../src/index.js');
  const model = await loadModel(c.bundle, { threads: 1 });
  // The first request pays for warming caches and the JIT (a device keeps its
  // model loaded); its time to first token is reported apart, and the other
  // figures are the medians of three identical requests after it.
  const cold = await model.generate(BENCH_PROMPT, { maxTokens: c.maxTokens, temperature: 0 }).result;
  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  const warm: Array<Awaited<ReturnType<typeof model.generate>['result']>['stats']> = [];
  for (let i = 0; i < 3; i++) warm.push((await model.generate(BENCH_PROMPT, { maxTokens: c.maxTokens, temperature: 0 }).result).stats);
  lag.disable();
  await model.close();
  const median = (pick: (s: (typeof warm)[number]) => number): number => warm.map(pick).sort((a, b) => a - b)[1]!;
  return {
    loadMs: cold.stats.loadMs,
    coldTimeToFirstTokenMs: cold.stats.timeToFirstTokenMs,
    timeToFirstTokenMs: median((s) => s.timeToFirstTokenMs),
    tokensPerSecond: median((s) => s.tokensPerSecond),
    generatedTokens: warm[0]!.generatedTokens,
    outsideInferFraction: median((s) => s.outsideInferFraction),
    eventLoopLagP99Ms: lag.percentile(99) / 1e6,
    eventLoopLagMaxMs: lag.max / 1e6,
    peakRssMb: peakRssMb(),
  };
}

async function reference(c: Extract<BenchCase, { kind: 'reference' }>): Promise<CaseResult> {
  const t0 = performance.now();
  const { config, weights } = readLlama2cCheckpoint(new Uint8Array(await readFile(c.checkpoint)));
  const ref = new LlamaReference(config, weights);
  const loadMs = performance.now() - t0;
  const argmax = (l: Float32Array): number => l.reduce((best, v, i) => (v > l[best]! ? i : best), 0);
  const start = performance.now();
  let logits: Float32Array = new Float32Array(0);
  c.promptTokens.forEach((t, pos) => (logits = ref.forward(t, pos)));
  const firstToken = performance.now();
  let token = argmax(logits);
  for (let i = 1; i < c.maxTokens; i++) token = argmax(ref.forward(token, c.promptTokens.length + i - 1));
  const end = performance.now();
  return {
    loadMs,
    timeToFirstTokenMs: firstToken - start,
    tokensPerSecond: ((c.maxTokens - 1) * 1000) / (end - firstToken),
    generatedTokens: c.maxTokens,
    peakRssMb: peakRssMb(),
  };
}

async function llamaCpp(c: Extract<BenchCase, { kind: 'llama.cpp' }>): Promise<CaseResult> {
  const r = await runLlamaCppPeer(c.gguf, { promptTokens: c.promptTokens, maxTokens: c.maxTokens, threads: 1 });
  return { loadMs: r.loadMs, timeToFirstTokenMs: r.timeToFirstTokenMs, tokensPerSecond: r.tokensPerSecond, generatedTokens: r.tokens.length, peakRssMb: peakRssMb() };
}

/** The two KV-cache layouts of the decode graph, int8, best of 9 rounds over all positions. */
async function kvCache(c: Extract<BenchCase, { kind: 'kv-cache' }>): Promise<CaseResult> {
  const weights = randomLlamaWeights(c.config, c.seed);
  const decoders = {
    io: new KvCacheDecoder(await createNativeRunner(buildLlamaTflite(c.config, weights, { kvCache: 'io' })), c.config),
    variables: new KvCacheDecoder(await createNativeRunner(buildLlamaTflite(c.config, weights, { kvCache: 'variables' })), c.config),
  };
  const best = { io: Infinity, variables: Infinity };
  for (let round = 0; round < 9; round++) {
    for (const key of ['io', 'variables'] as const) {
      const t = performance.now();
      for (let p = 0; p < c.steps; p++) decoders[key].step(5, p % c.config.seqLen);
      best[key] = Math.min(best[key], (performance.now() - t) / c.steps);
    }
  }
  return { kvCacheMsPerToken: best, peakRssMb: peakRssMb() };
}

/**
 * Positions before the window's edge (0 .. window-1) and after it, int8, best
 * of 7 rounds: the full graph alone, the full graph with an IF window, and
 * the runtime's pair of interpreters (a short-context model, then the full one).
 */
async function attentionWindow(c: Extract<BenchCase, { kind: 'attention-window' }>): Promise<CaseResult> {
  const weights = randomLlamaWeights(c.config, c.seed);
  const decoder = async (config: LlamaConfig, attentionWindow: number): Promise<KvCacheDecoder> =>
    new KvCacheDecoder(await createNativeRunner(buildLlamaTflite(config, weights, { attentionWindow })), config);
  const decoders: Record<'full' | 'ifWindow' | 'twoModels', DecodeStep> = {
    full: await decoder(c.config, 0),
    ifWindow: await decoder(c.config, c.window),
    twoModels: new WindowedDecoder(await decoder({ ...c.config, seqLen: c.window }, 0), await decoder(c.config, 0)),
  };
  const time = (d: DecodeStep, from: number, to: number): number => {
    const t = performance.now();
    for (let p = from; p < to; p++) d.step(5, p);
    return (performance.now() - t) / (to - from);
  };
  const best: Record<string, number> = {};
  for (let round = 0; round < 7; round++) {
    for (const [name, d] of Object.entries(decoders)) {
      best[`${name}Before`] = Math.min(best[`${name}Before`] ?? Infinity, time(d, 0, c.window));
      best[`${name}After`] = Math.min(best[`${name}After`] ?? Infinity, time(d, c.window, c.config.seqLen));
    }
  }
  return { attentionWindowMsPerToken: best as NonNullable<CaseResult['attentionWindowMsPerToken']>, peakRssMb: peakRssMb() };
}

async function main(): Promise<void> {
  const c = JSON.parse(process.argv[2] ?? '') as BenchCase;
  const result =
    c.kind === 'tinyedge' ? await tinyedge(c)
    : c.kind === 'reference' ? await reference(c)
    : c.kind === 'llama.cpp' ? await llamaCpp(c)
    : c.kind === 'kv-cache' ? await kvCache(c)
    : await attentionWindow(c);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
