/**
 * `npm run bench`: tinyedge's TFLite runtime against its own reference
 * forward and node-llama-cpp, on the same random weights, one thread each.
 * Every case runs in its own child process, one after another, so peak RSS
 * and timings are its own. See docs/benchmarks.md for what each figure means.
 */
import { execFile } from 'node:child_process';
import { cpus, tmpdir } from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Command } from 'commander';
import type { BenchCase, CaseResult } from './case.js';
import { defaultAttentionWindow } from '../src/models/llama/build-llama-tflite.js';
import { prepareShape } from './prepare.js';
import { BENCH_SHAPES } from './shapes.js';

const run = promisify(execFile);

interface Row {
  shape: string;
  engine: string;
  weights: string;
  result: CaseResult;
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

const fmt = (v: number | undefined, digits = 1): string => (v === undefined ? '' : v.toFixed(digits));

function table(rows: Row[]): string {
  const head = '| shape | engine | weights | decode tok/s | TTFT ms (first request) | load ms | peak RSS MB | outside invoke | event-loop lag p99 / max ms |';
  const lines = rows.map(({ shape, engine, weights, result: r }) =>
    `| ${shape} | ${engine} | ${weights} | ${fmt(r.tokensPerSecond, 0)} | ${fmt(r.timeToFirstTokenMs)}${r.coldTimeToFirstTokenMs === undefined ? '' : ` (${fmt(r.coldTimeToFirstTokenMs)})`} | ${fmt(r.loadMs, 0)} | ${fmt(r.peakRssMb, 0)} | ` +
    `${r.outsideInferFraction === undefined ? '' : `${(r.outsideInferFraction * 100).toFixed(1)}%`} | ` +
    `${r.eventLoopLagP99Ms === undefined ? '' : `${fmt(r.eventLoopLagP99Ms, 2)} / ${fmt(r.eventLoopLagMaxMs, 2)}`} |`,
  );
  return [head, `|${'---|'.repeat(9)}`, ...lines].join('\n');
}

async function main(): Promise<void> {
  const program = new Command('bench')
    .description('Measure decode tokens/s, time to first token, load time, peak RSS, event-loop lag and time outside invoke.')
    .option('--tokens <n>', 'tokens to generate per case', (v) => Number.parseInt(v, 10), 128)
    .option('--repeat <n>', 'runs per case, each in a fresh process; the median is reported', (v) => Number.parseInt(v, 10), 3)
    .option('--shape <id>', `only this shape (${BENCH_SHAPES.map((s) => s.id).join(', ')})`)
    .option('--no-peer', 'skip node-llama-cpp')
    .option('--json', 'print one JSON object instead of tables')
    .parse();
  const opts = program.opts<{ tokens: number; repeat: number; shape?: string; peer: boolean; json?: boolean }>();
  const shapes = BENCH_SHAPES.filter((s) => opts.shape === undefined || s.id === opts.shape);
  if (shapes.length === 0) program.error(`unknown shape ${opts.shape}`);
  const log = (line: string): void => void (opts.json ? process.stderr : process.stdout).write(`${line}\n`);

  const work = await mkdtemp(join(tmpdir(), 'tinyedge-bench-'));
  const rows: Row[] = [];
  const sizes: Record<string, Record<string, number>> = {};
  const kv: Record<string, CaseResult['kvCacheMsPerToken']> = {};
  const windows: Record<string, { window: number } & NonNullable<CaseResult['attentionWindowMsPerToken']>> = {};
  try {
    for (const shape of shapes) {
      log(`\n# ${shape.label}\npreparing weights, bundles and GGUF files...`);
      const m = await prepareShape(shape, join(work, shape.id));
      sizes[shape.id] = m.sizes;
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
        rows.push({ shape: shape.id, engine, weights, result: await runCase(c, opts.repeat) });
      }
      log('  KV cache as graph inputs vs TFLite resource variables...');
      kv[shape.id] = (await runCase({ kind: 'kv-cache', config: shape.config, seed: shape.seed, steps: shape.config.seqLen }, 1)).kvCacheMsPerToken;
      const window = defaultAttentionWindow(shape.config) || 128;
      log(`  attention window of ${window} positions: full graph, IF in the graph, two interpreters...`);
      windows[shape.id] = { window, ...(await runCase({ kind: 'attention-window', config: shape.config, seed: shape.seed, window }, 1)).attentionWindowMsPerToken! };
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }

  const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, date: new Date().toISOString() };
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ machine, tokens: opts.tokens, rows, sizes, kvCache: kv, attentionWindow: windows }, null, 2)}\n`);
    return;
  }
  log(`\nmachine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.date}`);
  log(`${opts.tokens} tokens per case, greedy, 1 thread, prompt "Once upon a time", median of ${opts.repeat} runs\n`);
  log(table(rows));
  log('\n| shape | file | bytes |\n|---|---|---|');
  for (const [shape, files] of Object.entries(sizes)) for (const [file, bytes] of Object.entries(files)) log(`| ${shape} | ${file} | ${bytes} |`);
  log('\n| shape | KV cache as inputs, ms/token | KV cache in resource variables, ms/token |\n|---|---|---|');
  for (const [shape, k] of Object.entries(kv)) log(`| ${shape} | ${fmt(k?.io, 3)} | ${fmt(k?.variables, 3)} |`);
  log('\n| shape | window | ms/token before the edge: full / IF / two models | after the edge: full / IF / two models | bundles get a window model |\n|---|---|---|---|---|');
  for (const [shape, w] of Object.entries(windows)) {
    const config = shapes.find((s) => s.id === shape)!.config;
    log(`| ${shape} | ${w.window} | ${fmt(w.fullBefore, 3)} / ${fmt(w.ifWindowBefore, 3)} / ${fmt(w.twoModelsBefore, 3)} | ` +
      `${fmt(w.fullAfter, 3)} / ${fmt(w.ifWindowAfter, 3)} / ${fmt(w.twoModelsAfter, 3)} | ${defaultAttentionWindow(config) ? 'yes' : 'no'} |`);
  }
}

await main();
