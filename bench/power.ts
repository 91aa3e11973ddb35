/**
 * The power sampler's own cost: CPU time it takes (percent of one core) at
 * 10 Hz and 100 Hz, and how late its ticks run (jitter), over a fixture
 * hwmon tree (real file reads, as on a board with an INA219) and the
 * estimate source over this machine's /proc/stat.
 *
 *   npx tsx bench/power.ts [--seconds 5] [--json]
 *
 * Each configuration runs in its own child process, one after another, so
 * its CPU time is its own; an idle run of the same length (no sampler) is
 * subtracted. Aim: under 1 % of one core at 10 Hz.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { getBoard } from '../src/hal/boards.js';
import { openPowerSampler } from '../src/power/open-power-sampler.js';

const run = promisify(execFile);

/** One configuration, run in a child. */
interface PowerCase {
  source: 'hwmon' | 'estimate' | 'none';
  hz: number;
  seconds: number;
  root: string;
}

/** What a child reports. */
export interface PowerBenchResult {
  source: string;
  hz: number;
  seconds: number;
  samples: number;
  /** CPU time (user + system) per wall time, percent of one core. */
  cpuPercent: number;
  /** CPU time per sample, microseconds. */
  cpuPerSampleUs: number;
  latenessP50Ms: number;
  latenessP99Ms: number;
  latenessMaxMs: number;
  /** Standard deviation of the time between consecutive samples, ms. */
  intervalStdMs: number;
  missedTicks: number;
}

async function runCase(c: PowerCase): Promise<PowerBenchResult> {
  const board = await getBoard('simulated');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  if (c.source === 'none') {
    await sleep(c.seconds * 1000);
    const used = process.cpuUsage(cpu0);
    const wall = performance.now() - t0;
    return {
      source: 'none', hz: 0, seconds: c.seconds, samples: 0, cpuPercent: ((used.user + used.system) / 1000 / wall) * 100, cpuPerSampleUs: 0,
      latenessP50Ms: 0, latenessP99Ms: 0, latenessMaxMs: 0, intervalStdMs: 0, missedTicks: 0,
    };
  }
  const sampler = await openPowerSampler(c.source === 'hwmon' ? { root: c.root, source: 'hwmon', hz: c.hz } : { board, source: 'estimate', hz: c.hz });
  const times: number[] = [];
  sampler.on('sample', (s) => times.push(s.t));
  await sleep(c.seconds * 1000);
  await sampler.close();
  const used = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  const mean = gaps.reduce((a, b) => a + b, 0) / Math.max(1, gaps.length);
  const std = Math.sqrt(gaps.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, gaps.length));
  const timing = sampler.timing();
  const cpuUs = used.user + used.system;
  return {
    source: sampler.source.id, hz: c.hz, seconds: c.seconds, samples: sampler.samples,
    cpuPercent: (cpuUs / 1000 / wall) * 100, cpuPerSampleUs: cpuUs / Math.max(1, sampler.samples),
    latenessP50Ms: timing.latenessMs.p50, latenessP99Ms: timing.latenessMs.p99, latenessMaxMs: timing.latenessMs.max,
    intervalStdMs: std, missedTicks: timing.missedTicks,
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--case') {
    process.stdout.write(`${JSON.stringify(await runCase(JSON.parse(args[1]!) as PowerCase))}\n`);
    return;
  }
  const json = args.includes('--json');
  const at = args.indexOf('--seconds');
  const seconds = at >= 0 ? Number(args[at + 1]) : 5;
  if (!(seconds > 0)) throw new RangeError('--seconds must be > 0');

  const root = await mkdtemp(join(tmpdir(), 'tinyedge-bench-power-'));
  try {
    await mkdir(join(root, 'sys/class/hwmon/hwmon0'), { recursive: true });
    await writeFile(join(root, 'sys/class/hwmon/hwmon0/name'), 'ina219\n');
    await writeFile(join(root, 'sys/class/hwmon/hwmon0/power1_input'), '3100000\n');
    const cases: PowerCase[] = [
      { source: 'none', hz: 0, seconds, root },
      { source: 'hwmon', hz: 10, seconds, root },
      { source: 'hwmon', hz: 100, seconds, root },
      { source: 'estimate', hz: 10, seconds, root },
      { source: 'estimate', hz: 100, seconds, root },
    ];
    const results: PowerBenchResult[] = [];
    for (const c of cases) {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', import.meta.filename, '--case', JSON.stringify(c)], { maxBuffer: 1 << 20 });
      results.push(JSON.parse(stdout.trim().split('\n').pop()!) as PowerBenchResult);
    }
    const idle = results[0]!.cpuPercent;
    const rows = results.slice(1).map((r) => ({ ...r, cpuPercentAboveIdle: Math.max(0, r.cpuPercent - idle) }));
    if (json) {
      process.stdout.write(`${JSON.stringify({ idleCpuPercent: idle, rows })}\n`);
      return;
    }
    const f = (v: number, d = 2): string => v.toFixed(d);
    const lines = [
      `power sampler cost, ${seconds} s per row (idle Node process: ${f(idle, 3)} % of one core, subtracted)`,
      '| source | Hz | samples | CPU % of one core | CPU per sample µs | tick lateness p50 / p99 / max ms | interval std ms | missed ticks |',
      '|---|---|---|---|---|---|---|---|',
      ...rows.map((r) => `| ${r.source} | ${r.hz} | ${r.samples} | ${f(r.cpuPercentAboveIdle, 3)} | ${f(r.cpuPerSampleUs, 0)} | ${f(r.latenessP50Ms)} / ${f(r.latenessP99Ms)} / ${f(r.latenessMaxMs)} | ${f(r.intervalStdMs)} | ${r.missedTicks} |`),
    ];
    const tenHz = rows.filter((r) => r.hz === 10);
    lines.push('', `aim: under 1 % of one core at 10 Hz: ${tenHz.every((r) => r.cpuPercentAboveIdle < 1) ? 'met' : 'NOT met'}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
