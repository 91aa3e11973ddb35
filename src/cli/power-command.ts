import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import type { PowerSourceName } from '../power/open-power-source.js';
import { openPowerSampler } from '../power/open-power-sampler.js';
import type { PowerSampler } from '../power/power-sampler.js';
import { runAction } from './run-action.js';
import type { PowerSummary } from '../power/power-sample.js';

interface PowerCliOptions {
  root: string;
  source: string;
  hz: string;
  duration?: string;
  json?: boolean;
}

/** What `tinyedge power --json` prints when done: the sampler's summary. */
export type PowerJson = PowerSummary;

/**
 * Creates `tinyedge power [--root DIR] [--source auto|hwmon|rapl|pmic|battery|serial:<path>|estimate]
 * [--hz N] [--duration SECONDS] [--json]`: samples power and prints a line
 * per second (instant watts, mean over the last second, peak, energy so
 * far) until the duration ends or Ctrl-C, then a summary. With `--json` it
 * prints nothing until the end, then one {@link PowerJson} object. The first
 * lines say which source was chosen and, for `auto`, what else was tried.
 *
 * @returns the subcommand, for `program.addCommand`
 * @example
 * ```ts
 * program.addCommand(powerCommand());
 * // $ tinyedge power --source auto --duration 10 --json
 * ```
 */
export function powerCommand(): Command {
  return new Command('power')
    .description('sample board power: a line per second, or one JSON summary at the end')
    .option('--root <dir>', 'filesystem root holding sys/ and proc/ (a fixture tree or a mounted image)', '/')
    .option('--source <source>', 'auto, hwmon[:chip], rapl, pmic, battery[:name], serial:<path>[,protocol=text|um24c|um25c|um34c][,baud=N] or estimate', 'auto')
    .option('--hz <n>', 'samples per second', '10')
    .option('--duration <seconds>', 'stop after this long (default: until Ctrl-C)')
    .option('--json', 'print one JSON object when done instead of live lines')
    .action(runAction(async (options: PowerCliOptions) => {
      const hz = Number(options.hz);
      if (options.hz.trim() === '' || !Number.isFinite(hz) || hz <= 0 || hz > 1000) throw new RangeError(`--hz must be a number in (0, 1000], found ${JSON.stringify(options.hz)}`);
      let durationMs: number | null = null;
      if (options.duration !== undefined) {
        const seconds = Number(options.duration);
        if (options.duration.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) throw new RangeError(`--duration must be a number of seconds > 0, found ${JSON.stringify(options.duration)}`);
        durationMs = seconds * 1000;
      }
      const json = options.json === true;
      const sampler = await openPowerSampler({ root: options.root, source: options.source as PowerSourceName, hz });
      try {
        if (!json) printHeader(sampler);
        await sample(sampler, durationMs, json);
      } finally {
        await sampler.close();
      }
      const s = sampler.summary();
      if (json) {
        const body: PowerJson = {
          source: s.source, kind: s.kind, label: s.label, samples: s.samples, durationS: s.durationS,
          energyJ: s.energyJ, avgW: s.avgW, peakW: s.peakW, errors: s.errors,
        };
        process.stdout.write(`${JSON.stringify(body)}\n`);
      } else {
        process.stdout.write(`${s.samples} samples over ${s.durationS.toFixed(1)} s: ${s.energyJ.toFixed(2)} J, mean ${s.avgW.toFixed(3)} W, peak ${s.peakW.toFixed(3)} W, ${s.errors} read errors (${s.kind})\n`);
      }
    }));
}

function printHeader(sampler: PowerSampler): void {
  const lines = [`source: ${sampler.source.id} (${sampler.source.kind}) - ${sampler.source.label}`];
  for (const c of sampler.candidates) if (!c.available) lines.push(`  auto skipped ${c.name}: ${c.detail}`);
  lines.push(`sampling at ${sampler.hz} Hz${sampler.source.kind === 'estimated' ? '; these watts are an ESTIMATE, not a measurement' : ''}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Run until the duration ends or SIGINT; live lines every second unless json. */
async function sample(sampler: PowerSampler, durationMs: number | null, json: boolean): Promise<void> {
  const start = performance.now();
  const offError = sampler.on('sensor-error', (e) => {
    if (!json && e.consecutive === 1) process.stderr.write(`read failed: ${e.error.message} (retrying)\n`);
  });
  const offRecovered = sampler.on('recovered', (e) => {
    if (!json) process.stderr.write(`reads recovered after ${e.afterErrors} failures (${(e.downMs / 1000).toFixed(1)} s)\n`);
  });
  const live = json ? null : setInterval(() => {
    const now = performance.now();
    const latest = sampler.latest();
    const second = sampler.energy(Math.max(start, now - 1000), now);
    const total = sampler.summary();
    process.stdout.write(`${((now - start) / 1000).toFixed(1).padStart(6)} s  ${latest === null ? '   -   ' : `${latest.watts.toFixed(3)} W`}`
      + `  mean(1 s) ${second === null ? '-' : `${second.avgW.toFixed(3)} W`}  peak ${total.peakW.toFixed(3)} W  ${total.energyJ.toFixed(2)} J\n`);
  }, 1000);
  try {
    await new Promise<void>((resolve) => {
      const timer = durationMs === null ? null : setTimeout(done, durationMs);
      process.once('SIGINT', done);
      function done(): void {
        if (timer !== null) clearTimeout(timer);
        process.off('SIGINT', done);
        resolve();
      }
    });
    // Let the sample that brackets the end arrive.
    await sampler.whenSampledPast(performance.now(), sampler.intervalMs * 2 + 50);
  } finally {
    if (live !== null) clearInterval(live);
    offError();
    offRecovered();
  }
}
