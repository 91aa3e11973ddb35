import { constants } from 'node:fs';
import { access, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import type { BenchSession } from '../bench-report/bench-session.js';
import { renderBenchReport } from '../bench-report/render-bench-report.js';
import { runBenchSession } from '../bench-report/run-bench-session.js';
import { TinyEdgeError } from '../errors.js';
import type { PowerSourceName } from '../power/open-power-source.js';
import { runAction } from './run-action.js';

interface BenchCliOptions {
  report?: string;
  model: string[];
  boardRoot: string;
  source: string;
  hz: string;
  duration: string;
  workload: string;
  json?: boolean;
}

/**
 * Creates `tinyedge bench [--report <file.html>] [--model <bundle|name>]...
 * [--board-root DIR] [--source SOURCE] [--hz N] [--duration S] [--json]`: a
 * short measured session on this machine (see `runBenchSession`). It detects
 * the board, samples power (the best measured source, else an estimate,
 * always labelled), measures the idle baseline, then loads each model and
 * runs inferences on it for `--duration` seconds, metering each. Prints a
 * table per model (tokens/s, time to first token, J/token, badge, peak RSS);
 * `--report` also writes a self-contained HTML page with the power trace;
 * `--json` prints the whole session as one object (the data the page embeds).
 * Without `--model`, runs the bundled `appliance` model, or a random-weights
 * model in the stories260K shape when none is bundled (`--model demo` asks
 * for it by name).
 *
 * @returns the subcommand, for `program.addCommand`
 * @example
 * ```ts
 * program.addCommand(benchCommand());
 * // $ tinyedge bench --report bench.html --duration 5
 * ```
 */
export function benchCommand(): Command {
  return new Command('bench')
    .description('measure models on this machine (tokens/s, first token, J/token, peak RSS) and write a self-contained HTML report')
    .option('--report <file.html>', 'write the report page here')
    .option('--model <bundle|name>', 'a bundle directory, a bundled model name, or demo (repeatable; default: appliance when bundled, else demo)',
      (value: string, previous: string[]) => [...previous, value], [] as string[])
    .option('--board-root <dir>', 'filesystem root holding sys/ and proc/ for board detection and power (a fixture tree or a mounted image)', '/')
    .option('--source <source>', 'power source: auto, hwmon[:chip], rapl, pmic, battery[:name], serial:<path>[,...] or estimate (see tinyedge power)', 'auto')
    .option('--hz <n>', 'power samples per second', '20')
    .option('--duration <seconds>', 'seconds of inferences per model (at least 3 inferences each)', '5')
    .option('--workload <kind>', 'auto (assistant requests for a model named appliance, else text generation), assistant or generate', 'auto')
    .option('--json', 'print the whole session as one JSON object')
    .action(runAction(async (options: BenchCliOptions) => {
      const hz = positive(options.hz, '--hz');
      if (hz > 1000) throw new RangeError(`--hz must be at most 1000, found ${JSON.stringify(options.hz)}`);
      const durationS = positive(options.duration, '--duration');
      if (!['auto', 'assistant', 'generate'].includes(options.workload)) {
        throw new RangeError(`--workload must be auto, assistant or generate, found ${JSON.stringify(options.workload)}`);
      }
      const json = options.json === true;
      const reportPath = options.report === undefined ? null : resolve(options.report);
      if (reportPath !== null) await checkWritable(reportPath); // before the session, not after it
      const session = await runBenchSession({
        models: options.model, boardRoot: options.boardRoot, source: options.source as PowerSourceName, hz, durationS,
        workload: options.workload as 'auto' | 'assistant' | 'generate',
        ...(json ? {} : { onProgress: (line: string) => void process.stderr.write(`${line}\n`) }),
      });
      if (reportPath !== null) await writeReport(reportPath, session);
      if (json) {
        process.stdout.write(`${JSON.stringify(session)}\n`);
        return;
      }
      process.stdout.write(formatSession(session));
      if (reportPath !== null) process.stdout.write(`report: ${reportPath}\n`);
    }));
}

function positive(text: string, flag: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) throw new RangeError(`${flag} must be a number > 0, found ${JSON.stringify(text)}`);
  return value;
}

async function checkWritable(path: string): Promise<void> {
  try {
    await access(dirname(path), constants.W_OK);
  } catch (err) {
    throw reportError(err, path);
  }
}

async function writeReport(path: string, session: BenchSession): Promise<void> {
  try {
    await writeFile(path, renderBenchReport(session));
  } catch (err) {
    throw reportError(err, path);
  }
}

function reportError(err: unknown, path: string): TinyEdgeError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new TinyEdgeError('E_NOT_FOUND', `Cannot write the report to ${path}: its directory does not exist.`, 'Create the directory first, or pass another path to --report.', { cause: err });
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new TinyEdgeError('E_PERMISSION', `Cannot write the report to ${path}: ${(err as Error).message}.`, 'Check the directory permissions, or pass another path to --report.', { cause: err });
  }
  return new TinyEdgeError('E_IO', `Cannot write the report to ${path}: ${(err as Error).message}.`, 'Pass another path to --report.', { cause: err });
}

function formatSession(s: BenchSession): string {
  const p = s.power;
  const lines = [
    `board: ${s.board.name} (${s.board.id}, ${s.board.matchedBy})`,
    `power: ${p.source} (${p.kind}) - ${p.label}`,
    `       ${s.samples.length} samples at ${p.hz} Hz, idle ${p.idleW === null ? 'not measured' : `${p.idleW.toFixed(2)} W`}, ${p.errors} failed reads`,
    '',
  ];
  const head = ['model', 'inferences', 'tok/s', 'TTFT ms', 'J/token', 'badge', 'peak RSS MB', 'load ms'];
  const rows = s.models.map((m) => [
    m.name, String(m.summary.inferences), m.summary.tokensPerSecond.toFixed(0), m.summary.timeToFirstTokenMs.toFixed(1),
    m.summary.joulesPerToken === null ? '-' : m.summary.joulesPerToken.toPrecision(3), m.summary.badge ?? '-',
    m.summary.peakRssMb.toFixed(0), m.loadMs.toFixed(0),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  lines.push(line(head), ...rows.map(line), '');
  return `${lines.join('\n')}\n`;
}
