/**
 * `npm run build && tsx bench/portable.ts`: the native backend (TFLite via
 * tfjs-tflite-node) against the portable one (tfjs's WebAssembly backend) on
 * the same bundles, side by side: decode tokens/s, time to first token, load
 * time and peak RSS. Each case is bench/case.ts's `tinyedge` case in a fresh
 * process of its own, the backend chosen with the TINYEDGE_BACKEND variable
 * that `loadModel` honours, so the figures are the ones `npm run bench`
 * reports for the native backend. See docs/portable-backend.md.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Command } from 'commander';
import type { BenchCase, CaseResult } from './case.js';
import { prepareShape } from './prepare.js';
import { BENCH_SHAPES } from './shapes.js';

const run = promisify(execFile);
type Backend = 'native' | 'portable';

interface Row {
  shape: string;
  backend: Backend;
  weights: string;
  result: CaseResult;
}

async function runOnce(c: BenchCase, backend: Backend): Promise<CaseResult> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'case.ts'), JSON.stringify(c)], {
    maxBuffer: 16 << 20,
    env: { ...process.env, TINYEDGE_BACKEND: backend },
  });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '') as CaseResult;
}

/** The median of every numeric figure over `repeat` fresh processes. */
async function runCase(c: BenchCase, backend: Backend, repeat: number): Promise<CaseResult> {
  const runs: CaseResult[] = [];
  for (let i = 0; i < repeat; i++) runs.push(await runOnce(c, backend));
  const out: Record<string, number> = {};
  for (const key of Object.keys(runs[0]!) as Array<keyof CaseResult>) {
    if (typeof runs[0]![key] !== 'number') continue;
    const sorted = runs.map((r) => r[key] as number).sort((a, b) => a - b);
    out[key] = sorted[Math.floor(sorted.length / 2)]!;
  }
  return out as unknown as CaseResult;
}

const fmt = (v: number | undefined, digits = 1): string => (v === undefined ? '' : v.toFixed(digits));

function table(rows: Row[]): string {
  const native = new Map(rows.filter((r) => r.backend === 'native').map((r) => [`${r.shape}/${r.weights}`, r.result]));
  const lines = rows.map(({ shape, backend, weights, result: r }) => {
    const base = native.get(`${shape}/${weights}`);
    const ratio = backend === 'portable' && base?.tokensPerSecond && r.tokensPerSecond ? `${(r.tokensPerSecond / base.tokensPerSecond).toFixed(2)}x` : '';
    const ttft = `${fmt(r.timeToFirstTokenMs)}${r.coldTimeToFirstTokenMs === undefined ? '' : ` (${fmt(r.coldTimeToFirstTokenMs)})`}`;
    return `| ${shape} | ${backend} | ${weights} | ${fmt(r.tokensPerSecond, 0)} | ${ratio} | ${ttft} | ${fmt(r.loadMs, 0)} | ${fmt(r.peakRssMb, 0)} |`;
  });
  return [
    '| shape | backend | weights | decode tok/s | vs native | TTFT ms (first request) | load ms | peak RSS MB |',
    `|${'---|'.repeat(8)}`,
    ...lines,
  ].join('\n');
}

async function main(): Promise<void> {
  const program = new Command('bench-portable')
    .description('Native against portable backend on the same bundles: decode tokens/s, time to first token, load time, peak RSS.')
    .option('--tokens <n>', 'tokens to generate per request', (v) => Number.parseInt(v, 10), 128)
    .option('--repeat <n>', 'runs per case, each in a fresh process; the median is reported', (v) => Number.parseInt(v, 10), 3)
    .option('--shape <id>', `only this shape (${BENCH_SHAPES.map((s) => s.id).join(', ')})`)
    .option('--json', 'print one JSON object instead of a table')
    .parse();
  const opts = program.opts<{ tokens: number; repeat: number; shape?: string; json?: boolean }>();
  if (!existsSync(new URL('../dist/index.js', import.meta.url))) program.error('dist/ is missing: run `npm run build` first (the cases measure the built package)');
  const shapes = BENCH_SHAPES.filter((s) => opts.shape === undefined || s.id === opts.shape);
  if (shapes.length === 0) program.error(`unknown shape ${opts.shape}`);
  const log = (line: string): void => void (opts.json ? process.stderr : process.stdout).write(`${line}\n`);

  const work = await mkdtemp(join(tmpdir(), 'tinyedge-bench-portable-'));
  const rows: Row[] = [];
  try {
    for (const shape of shapes) {
      log(`\n# ${shape.label}\npreparing bundles...`);
      const m = await prepareShape(shape, join(work, shape.id));
      for (const weights of ['int8', 'fp32'] as const) {
        for (const backend of ['native', 'portable'] as const) {
          log(`  ${backend} ${weights}...`);
          const c: BenchCase = { kind: 'tinyedge', bundle: m.bundles[weights], maxTokens: opts.tokens };
          rows.push({ shape: shape.id, backend, weights, result: await runCase(c, backend, opts.repeat) });
        }
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, arch: process.arch, date: new Date().toISOString() };
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ machine, tokens: opts.tokens, rows }, null, 2)}\n`);
    return;
  }
  log(`\nmachine: ${machine.cpu}, ${machine.cores} cores, ${machine.arch}, Node ${machine.node}, ${machine.date}`);
  log(`${opts.tokens} tokens per request, greedy, 1 thread, prompt "Once upon a time"; median of ${opts.repeat} processes, each the median of 3 warm requests\n`);
  log(table(rows));
}

await main();
