/**
 * The appliance assistant's figures: time to action (p50, p95), tokens/s,
 * load time, peak RSS of a process holding the assistant, FLOPs per token
 * and what a Raspberry Pi 4 would take. The measuring runs in a fresh child
 * process so its peak RSS is its own.
 *
 *   npx tsx bench/assistant.ts [--model appliance] [--requests 200] [--dist dist] [--json]
 *
 * The measuring process runs the built package (`dist/`, `npm run build`) in
 * plain Node, as an app would; without a build it falls back to the sources
 * through tsx, whose loader adds tens of MB to the RSS (the result says which).
 *
 * `runAssistantBench()` and `formatAssistantBench()` are exported for
 * bench/run.ts. See docs/assistant.md for what each figure means.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Command } from 'commander';
import type { LlamaConfig } from '../src/models/llama/config.js';

/** Published figures the Raspberry Pi 4 estimate rests on. */
export const PI4 = {
  /** Raspberry Pi 4 Model B: BCM2711, 4x Cortex-A72 at 1.5 GHz (1.8 GHz on boards from 2020 on). */
  clockGHz: 1.5,
  clockSource: 'https://magpi.raspberrypi.com/articles/raspberry-pi-4-specs-benchmarks',
  /** Cortex-A72 single-precision peak: 8 FLOPs per cycle per core (one 4-wide NEON FMA), measured by vfpbench (15.9 GFLOPS at 2.0 GHz). */
  flopsPerCycle: 8,
  flopsSource: 'https://wlog.flatlib.jp/2015/10/30/n1787/',
  /** sysbench 1.0.20 `cpu --threads=1`, events/s, on a Raspberry Pi 4. */
  sysbenchEventsPerSecond: 1477.83,
  sysbenchSource: 'https://leoncode.co.uk/articles/raspberry-pi-benchmarks',
} as const;

/**
 * sysbench 1.0.20 `cpu --threads=1 --time=10` on the machine these figures were first taken on (a 2-core
 * AMD EPYC VM at 2.45 GHz), events/s: used when `sysbench` is not installed to measure it afresh.
 */
export const RECORDED_SYSBENCH = 2997.9;

/**
 * This machine's sysbench single-thread score, measured now when `sysbench` is installed (so it sees the
 * same load as the timings it is compared with), else {@link RECORDED_SYSBENCH}.
 */
async function sysbenchHere(): Promise<{ eventsPerSecond: number; measured: boolean }> {
  try {
    const { stdout } = await promisify(execFile)('sysbench', ['cpu', '--threads=1', '--time=5', 'run'], { timeout: 30_000 });
    const match = /events per second:\s*([\d.]+)/.exec(stdout);
    if (match !== null) return { eventsPerSecond: Number(match[1]), measured: true };
  } catch {
    // not installed: use the recorded figure
  }
  return { eventsPerSecond: RECORDED_SYSBENCH, measured: false };
}

/** What the child process measures. */
interface ChildResult {
  model: string;
  config: LlamaConfig;
  /** Rows of the bundle's short-context window model, when it has one. */
  windowRows: number | null;
  parameters: number;
  bundleBytes: number;
  loadMs: number;
  coldMs: number;
  timeToActionMs: number[];
  generatedTokens: number[];
  promptTokens: number[];
  tokensPerSecond: number[];
  inferMs: number[];
  peakRssMb: number;
}

/** The assistant bench's figures. */
export interface AssistantBenchResult {
  /** Model name, parameters, bundle size in bytes. */
  model: { name: string; parameters: number; bundleBytes: number };
  /** What the measuring process ran: the built package, or the sources through tsx (RSS then includes tsx). */
  ran: 'dist' | 'tsx';
  /** Requests measured (after one cold request). */
  requests: number;
  /** Time from `handle()` to the action and reply, ms. */
  timeToActionMs: { p50: number; p95: number; mean: number };
  /** The first request of the process (it compiles the grammar in the worker), ms. */
  coldTimeToActionMs: number;
  /** `loadModel` time, ms. */
  loadMs: number;
  /** Median decode rate over requests, tokens/s. */
  tokensPerSecond: number;
  /** Mean tokens per request: prompt (BOS included) and action. */
  tokens: { prompt: number; action: number };
  /** Peak resident memory of the process holding the assistant, MB. */
  peakRssMb: number;
  /** Forward-pass FLOPs per token at the mean position of these requests (2 per multiply-add): the useful work. */
  flopsPerToken: number;
  /** FLOPs per token the TFLite graph runs: its attention covers every cache row (masked), not only the filled ones. */
  graphFlopsPerToken: number;
  /** Interpreter time per token here, ms, and the FLOP rate it implies, GFLOP/s. */
  here: { msPerToken: number; gflops: number };
  /** Raspberry Pi 4 estimate: per token and per request, ms; `computeFloorMsPerToken` is the FLOP-bound floor at the A72's peak. */
  pi4: { computeFloorMsPerToken: number; msPerToken: number; timeToActionMs: number; basis: string };
  /** sysbench single-thread events/s here, and whether it was measured in this run (else the recorded figure). */
  sysbench: { eventsPerSecond: number; measured: boolean };
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0;
const median = (values: number[]): number => percentile([...values].sort((a, b) => a - b), 0.5);
const mean = (values: number[]): number => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length);

/**
 * Forward FLOPs of one llama decode step at position `pos`: the matrix
 * multiplies (projections, feed-forward, classifier) and attention over the
 * `pos + 1` cached positions, two FLOPs per multiply-add; norms and
 * activations are left out (under 1%).
 */
export function llamaFlopsPerToken(c: LlamaConfig, pos: number): number {
  const kvDim = (c.dim / c.nHeads) * c.nKvHeads;
  const perLayer = 2 * c.dim * c.dim + 2 * c.dim * kvDim + 3 * c.dim * c.hiddenDim + 2 * c.dim * (pos + 1);
  return 2 * (c.nLayers * perLayer + c.dim * c.vocabSize);
}

const EXAMPLES = join(import.meta.dirname, '..', '..', 'shared', 'appliance', 'examples.jsonl');

/**
 * Run the measurement in a fresh process and derive the figures.
 *
 * @param options - `model`: bundle or bundled name (default `appliance`); `requests`: warm requests (default 200);
 *   `dist`: the built package to run (default `dist/` of the repository, when built)
 */
export async function runAssistantBench(options: { model?: string; requests?: number; dist?: string } = {}): Promise<AssistantBenchResult> {
  const spec = { model: options.model ?? 'appliance', requests: options.requests ?? 200, examples: EXAMPLES };
  const dist = resolve(options.dist ?? join(import.meta.dirname, '..', 'dist'));
  const ran: 'dist' | 'tsx' = existsSync(join(dist, 'index.js')) && existsSync(join(dist, 'inference-worker.js')) ? 'dist' : 'tsx';
  // A file, not `node -e`: the inference worker inherits the process's flags, and `--input-type` breaks it.
  const work = await mkdtemp(join(tmpdir(), 'tinyedge-bench-assistant-'));
  const script = join(work, 'measure.mjs');
  await writeFile(script, childSource(pathToFileURL(join(dist, 'index.js')).href, spec));
  const args = ran === 'dist' ? [script] : ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', JSON.stringify(spec)];
  const sysbench = await sysbenchHere();
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 16 << 20 }));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const r = JSON.parse(stdout.trim().split('\n').pop()!) as ChildResult;
  const times = [...r.timeToActionMs].sort((a, b) => a - b);
  const prompt = mean(r.promptTokens);
  const action = mean(r.generatedTokens);
  // Each request runs prompt + action - 1 steps; the mean position of a step is about half of that.
  const flopsPerToken = llamaFlopsPerToken(r.config, (prompt + action) / 2);
  // Requests this short stay inside the window model when there is one.
  const rows = r.windowRows !== null && prompt + action <= r.windowRows ? r.windowRows : r.config.seqLen;
  const graphFlopsPerToken = llamaFlopsPerToken(r.config, rows - 1);
  const steps = r.promptTokens.map((p, i) => p + r.generatedTokens[i]! - 1);
  const msPerToken = mean(r.inferMs.map((ms, i) => ms / steps[i]!));
  const piPeak = PI4.clockGHz * PI4.flopsPerCycle * 1e9;
  const computeFloorMsPerToken = (graphFlopsPerToken / piPeak) * 1000;
  // A tiny model is bound by per-step overhead as much as by FLOPs: scale this machine's whole
  // time per request by the single-thread speed ratio, and never below the compute floor.
  const ratio = sysbench.eventsPerSecond / PI4.sysbenchEventsPerSecond;
  const pi4MsPerToken = Math.max(computeFloorMsPerToken, msPerToken * ratio);
  return {
    model: { name: r.model, parameters: r.parameters, bundleBytes: r.bundleBytes },
    ran,
    requests: r.timeToActionMs.length,
    timeToActionMs: { p50: percentile(times, 0.5), p95: percentile(times, 0.95), mean: mean(times) },
    coldTimeToActionMs: r.coldMs,
    loadMs: r.loadMs,
    tokensPerSecond: median(r.tokensPerSecond),
    tokens: { prompt, action },
    peakRssMb: r.peakRssMb,
    flopsPerToken,
    graphFlopsPerToken,
    here: { msPerToken, gflops: graphFlopsPerToken / (msPerToken * 1e6) },
    pi4: {
      computeFloorMsPerToken,
      msPerToken: pi4MsPerToken,
      timeToActionMs: percentile(times, 0.5) * Math.max(ratio, pi4MsPerToken / Math.max(msPerToken, 1e-9)),
      basis: `max(graph FLOPs / ${(piPeak / 1e9).toFixed(0)} GFLOPS A72 peak, time here x ${ratio.toFixed(2)} sysbench single-thread ratio ` +
        `(${sysbench.eventsPerSecond.toFixed(0)} events/s here, ${sysbench.measured ? 'measured now' : 'recorded'}, vs ${PI4.sysbenchEventsPerSecond} on a Pi 4))`,
    },
    sysbench,
  };
}

/** The figures as a Markdown table. */
export function formatAssistantBench(r: AssistantBenchResult): string {
  const f = (v: number, d = 1): string => v.toFixed(d);
  return [
    `| model | params | bundle | requests | time to action p50 / p95 ms | cold ms | tok/s | load ms | peak RSS MB | FLOPs/token (graph) | Pi 4 est. ms/token | Pi 4 est. time to action ms |`,
    `|${'---|'.repeat(12)}`,
    `| ${r.model.name} | ${(r.model.parameters / 1e6).toFixed(2)} M | ${(r.model.bundleBytes / 1e6).toFixed(2)} MB | ${r.requests} | ` +
      `${f(r.timeToActionMs.p50)} / ${f(r.timeToActionMs.p95)} | ${f(r.coldTimeToActionMs)} | ${f(r.tokensPerSecond, 0)} | ${f(r.loadMs, 0)} | ` +
      `${f(r.peakRssMb, 0)} | ${(r.flopsPerToken / 1e6).toFixed(2)} M (${(r.graphFlopsPerToken / 1e6).toFixed(2)} M) | ${f(r.pi4.msPerToken, 2)} (floor ${f(r.pi4.computeFloorMsPerToken, 2)}) | ${f(r.pi4.timeToActionMs)} |`,
    '',
    `Ran: ${r.ran === 'dist' ? 'the built package in plain Node' : 'the sources through tsx (no dist/: peak RSS includes the tsx loader)'}. Mean tokens per request: ${f(r.tokens.prompt)} prompt, ${f(r.tokens.action)} action. Interpreter here: ${f(r.here.msPerToken, 3)} ms/token (${f(r.here.gflops, 2)} GFLOP/s of graph FLOPs).`,
    `Pi 4 basis: ${r.pi4.basis}; ${PI4.clockSource}, ${PI4.flopsSource}, ${PI4.sysbenchSource}.`,
  ].join('\n');
}

/**
 * The measuring process: load, one cold request, then `requests` warm ones
 * over the evaluation set's texts, then the process's peak RSS. Written as
 * plain JavaScript so it runs on the built package without a TypeScript loader.
 */
const CHILD_BODY = `
  const texts = readFileSync(spec.examples, 'utf8').trim().split('\\n').map((l) => JSON.parse(l).text);
  const model = await loadModel(spec.model);
  const assistant = createAssistant({ model });
  const cold = await assistant.handle(texts[0]);
  const c = model.manifest.hyperparameters;
  const kvDim = (c.dim / c.nHeads) * c.nKvHeads;
  const layer = 2 * c.dim * c.dim + 2 * c.dim * kvDim + 3 * c.dim * c.hiddenDim + 2 * c.dim;
  const out = {
    model: model.name, config: c, windowRows: model.manifest.windowModel ? model.manifest.windowModel.rows : null, parameters: c.vocabSize * c.dim * (c.sharedClassifier ? 1 : 2) + c.nLayers * layer + c.dim,
    bundleBytes: Object.values(model.manifest.files).reduce((a, f) => a + f.bytes, 0),
    loadMs: model.loadMs, coldMs: cold.stats.timeToActionMs,
    timeToActionMs: [], generatedTokens: [], promptTokens: [], tokensPerSecond: [], inferMs: [], peakRssMb: 0,
  };
  for (let i = 0; i < spec.requests; i++) {
    const { stats } = await assistant.handle(texts[i % texts.length]);
    out.timeToActionMs.push(stats.timeToActionMs);
    out.generatedTokens.push(stats.generatedTokens);
    out.promptTokens.push(stats.promptTokens);
    out.tokensPerSecond.push(stats.tokensPerSecond);
    out.inferMs.push(stats.inferMs);
  }
  await model.close();
  out.peakRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify(out) + '\\n');
`;

function childSource(indexUrl: string, spec: object): string {
  return `import { readFileSync } from 'node:fs';\nimport { createAssistant, loadModel } from ${JSON.stringify(indexUrl)};\nconst spec = ${JSON.stringify(spec)};\n${CHILD_BODY}`;
}

/** The same measuring code on the sources, for a checkout without a build. */
async function child(spec: { model: string; requests: number; examples: string }): Promise<void> {
  const { loadModel } = await import('../src/runtime/load-model.js');
  const { createAssistant } = await import('../src/appliance/assistant.js');
  const run = new Function('spec', 'readFileSync', 'loadModel', 'createAssistant', `return (async () => {${CHILD_BODY}})();`) as (
    ...args: unknown[]
  ) => Promise<void>;
  await run(spec, readFileSync, loadModel, createAssistant);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const program = new Command('bench-assistant')
    .description('Time to action, tokens/s, load time, peak RSS and a Raspberry Pi 4 estimate for the appliance assistant.')
    .option('--model <bundle>', 'bundle directory or bundled model name', 'appliance')
    .option('--requests <n>', 'warm requests to time', (v) => Number.parseInt(v, 10), 200)
    .option('--dist <dir>', 'the built package the measuring process runs (default: dist/ when built, else the sources via tsx)')
    .option('--json', 'print one JSON object')
    .option('--child <spec>', 'internal: run the measurement in this process')
    .parse();
  const opts = program.opts<{ model: string; requests: number; dist?: string; json?: boolean; child?: string }>();
  if (opts.child !== undefined) {
    await child(JSON.parse(opts.child) as { model: string; requests: number; examples: string });
  } else {
    const result = await runAssistantBench({ model: opts.model, requests: opts.requests, ...(opts.dist === undefined ? {} : { dist: opts.dist }) });
    process.stdout.write(opts.json === true ? `${JSON.stringify(result, null, 2)}\n` : `${formatAssistantBench(result)}\n`);
  }
}
