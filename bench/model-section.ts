/**
 * The `models` section of `npm run bench`: tinyedge's TFLite runtime against
 * its own reference forward and node-llama-cpp, on the same random weights,
 * one thread each, plus the KV-cache layouts and the attention window. Every
 * case runs in its own child process (bench/case.ts), one after another, so
 * peak RSS and timings are its own.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { defaultAttentionWindow } from '../src/models/llama/build-llama-tflite.js';
import type { BenchCase, CaseResult } from './case.js';
import { prepareShape } from './prepare.js';
import { BENCH_SHAPES } from './shapes.js';
import type { BenchShape } from './shapes.js';

const run = promisify(execFile);

/** What the models section measures with. */
export interface ModelSectionOptions {
  /** Tokens generated per case. */
  tokens: number;
  /** Fresh processes per case; the median is reported. */
  repeat: number;
  /** The shapes to measure. */
  shapes: readonly BenchShape[];
  /** Include node-llama-cpp. */
  peer: boolean;
}

/** One engine on one shape. */
export interface ModelRow {
  shape: string;
  engine: string;
  weights: string;
  result: CaseResult;
}

/** Everything the models section measured (what `--json` prints under `sections.models`). */
export interface ModelSectionResult {
  tokens: number;
  repeat: number;
  rows: ModelRow[];
  sizes: Record<string, Record<string, number>>;
  kvCache: Record<string, CaseResult['kvCacheMsPerToken']>;
  attentionWindow: Record<string, { window: number } & NonNullable<CaseResult['attentionWindowMsPerToken']>>;
}

async function runOnce(c: BenchCase): Promise<CaseResult> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'case.ts'), JSON.stringify(c)], {
    maxBuffer: 16 << 20,
  });
  const last = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as CaseResult;
}

/** Run a case `repeat` times, each in a fresh process, and keep the median of every figure. */
async function runCase(c: BenchCase, repeat: number): Promise<CaseResult> {
  const runs: CaseResult[] = [];
  for (let i = 0; i < repeat; i++) runs.push(await runOnce(c));
  const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(runs[0]!) as Array<keyof CaseResult>) {
    const first = runs[0]![key];
    if (typeof first === 'number') out[key] = median(runs.map((r) => r[key] as number));
    else if (first && typeof first === 'object') {
      out[key] = Object.fromEntries(Object.keys(first).map((k) => [k, median(runs.map((r) => (r[key] as Record<string, number>)[k]!))]));
    }
  }
  return out as unknown as CaseResult;
}

/** Measure every engine on every shape; progress goes to `log`. */
export async function runModelSection(opts: ModelSectionOptions, log: (line: string) => void): Promise<ModelSectionResult> {
  const work = await mkdtemp(join(tmpdir(), 'tinyedge-bench-'));
  const result: ModelSectionResult = { tokens: opts.tokens, repeat: opts.repeat, rows: [], sizes: {}, kvCache: {}, attentionWindow: {} };
  try {
    for (const shape of opts.shapes) {
      log(`\n# ${shape.label}\npreparing weights, bundles and GGUF files...`);
      const m = await prepareShape(shape, join(work, shape.id));
      result.sizes[shape.id] = m.sizes;
      const cases: Array<[string, string, BenchCase]> = [
        ['tinyedge (TFLite)', 'int8', { kind: 'tinyedge', bundle: m.bundles.int8, maxTokens: opts.tokens }],
        ['tinyedge (TFLite)', 'fp32', { kind: 'tinyedge', bundle: m.bundles.fp32, maxTokens: opts.tokens }],
        ['reference forward (TS)', 'fp32', { kind: 'reference', checkpoint: m.checkpoint, promptTokens: m.promptTokens, maxTokens: opts.tokens }],
      ];
      if (opts.peer) {
        cases.push(['node-llama-cpp', 'q8_0', { kind: 'llama.cpp', gguf: m.gguf.q8_0, promptTokens: m.promptTokens, maxTokens: opts.tokens }]);
        cases.push(['node-llama-cpp', 'f32', { kind: 'llama.cpp', gguf: m.gguf.f32, promptTokens: m.promptTokens, maxTokens: opts.tokens }]);
      }
      for (const [engine, weights, c] of cases) {
        log(`  ${engine} ${weights}...`);
        result.rows.push({ shape: shape.id, engine, weights, result: await runCase(c, opts.repeat) });
      }
      log('  KV cache as graph inputs vs TFLite resource variables...');
      result.kvCache[shape.id] = (await runCase({ kind: 'kv-cache', config: shape.config, seed: shape.seed, steps: shape.config.seqLen }, 1)).kvCacheMsPerToken;
      const window = defaultAttentionWindow(shape.config) || 128;
      log(`  attention window of ${window} positions: full graph, IF in the graph, two interpreters...`);
      result.attentionWindow[shape.id] = {
        window, ...(await runCase({ kind: 'attention-window', config: shape.config, seed: shape.seed, window }, 1)).attentionWindowMsPerToken!,
      };
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return result;
}

const fmt = (v: number | undefined, digits = 1): string => (v === undefined ? '' : v.toFixed(digits));

/** The section's tables, as Markdown. */
export function formatModelSection(r: ModelSectionResult): string {
  const lines = [
    `${r.tokens} tokens per case, greedy, 1 thread, prompt "Once upon a time", median of ${r.repeat} runs`,
    '',
    '| shape | engine | weights | decode tok/s | TTFT ms (first request) | load ms | peak RSS MB | outside invoke | event-loop lag p99 / max ms |',
    `|${'---|'.repeat(9)}`,
    ...r.rows.map(({ shape, engine, weights, result: c }) =>
      `| ${shape} | ${engine} | ${weights} | ${fmt(c.tokensPerSecond, 0)} | ${fmt(c.timeToFirstTokenMs)}${c.coldTimeToFirstTokenMs === undefined ? '' : ` (${fmt(c.coldTimeToFirstTokenMs)})`} | ` +
      `${fmt(c.loadMs, 0)} | ${fmt(c.peakRssMb, 0)} | ${c.outsideInferFraction === undefined ? '' : `${(c.outsideInferFraction * 100).toFixed(1)}%`} | ` +
      `${c.eventLoopLagP99Ms === undefined ? '' : `${fmt(c.eventLoopLagP99Ms, 2)} / ${fmt(c.eventLoopLagMaxMs, 2)}`} |`),
    '',
    '| shape | file | bytes |',
    '|---|---|---|',
  ];
  for (const [shape, files] of Object.entries(r.sizes)) for (const [file, bytes] of Object.entries(files)) lines.push(`| ${shape} | ${file} | ${bytes} |`);
  lines.push('', '| shape | KV cache as inputs, ms/token | KV cache in resource variables, ms/token |', '|---|---|---|');
  for (const [shape, k] of Object.entries(r.kvCache)) lines.push(`| ${shape} | ${fmt(k?.io, 3)} | ${fmt(k?.variables, 3)} |`);
  lines.push('', '| shape | window | ms/token before the edge: full / IF / two models | after the edge: full / IF / two models | bundles get a window model |', '|---|---|---|---|---|');
  for (const [shape, w] of Object.entries(r.attentionWindow)) {
    const config = BENCH_SHAPES.find((s) => s.id === shape)!.config;
    lines.push(`| ${shape} | ${w.window} | ${fmt(w.fullBefore, 3)} / ${fmt(w.ifWindowBefore, 3)} / ${fmt(w.twoModelsBefore, 3)} | ` +
      `${fmt(w.fullAfter, 3)} / ${fmt(w.ifWindowAfter, 3)} / ${fmt(w.twoModelsAfter, 3)} | ${defaultAttentionWindow(config) ? 'yes' : 'no'} |`);
  }
  return lines.join('\n');
}
