import { Command } from 'commander';
import { isTinyEdgeError } from '../errors.js';
import { chooseBackendAndThreads, type BackendChoice } from '../hal/preflight/choose-backend-and-threads.js';
import type { CpuArchitecture } from '../hal/preflight/read-cpu-architecture.js';
import { runPreflight, type PreflightFinding } from '../hal/preflight.js';
import { EXIT_FAILURE, runAction } from './run-action.js';

interface DoctorCliOptions {
  root?: string;
  arch?: string;
  url?: string;
  model?: string;
  native: boolean;
  json?: boolean;
}

/** What `tinyedge doctor --json` prints. The exit code is 1 when any finding failed. */
export interface DoctorJson {
  /** False when any finding failed. */
  ok: boolean;
  /** Every check's result, in the order they ran. */
  findings: PreflightFinding[];
  /** The board found, or null. */
  board: { id: string; name: string; matchedBy: string } | null;
  /** The CPU as the kernel and Node.js describe it. */
  cpu: CpuArchitecture;
  /** The backend and thread count the runtime would use, or null when no backend can run (see `choiceError`). */
  choice: BackendChoice | null;
  /** Why there is no choice: the error code and hint. */
  choiceError?: { code: string; message: string; hint: string };
}

const MARK: Record<PreflightFinding['status'], string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };

/**
 * Creates `tinyedge doctor [--root DIR] [--arch ARCH] [--url mqtt://...]
 * [--model BUNDLE] [--no-native] [--json]`: runs the preflight checks (Node version, CPU
 * architecture and SIMD features, whether the native TFLite library loads,
 * memory for a model, serial and sensor permissions, RAPL, and with `--url`
 * the MQTT broker) and prints each finding with what to do about it, then
 * the backend and thread count the runtime would pick. Exits with 1 when a
 * check failed, 0 otherwise (warnings included).
 *
 * @returns the subcommand, for `program.addCommand`
 * @example
 * ```ts
 * program.addCommand(doctorCommand());
 * // $ tinyedge doctor --url mqtt://broker.local --model ./bundles/appliance
 * ```
 */
export function doctorCommand(): Command {
  return new Command('doctor')
    .description('check this machine before anything crashes: Node, CPU, native TFLite, memory, serial and sensor permissions, RAPL, MQTT broker')
    .option('--root <dir>', 'read proc/ and sys/ below this directory instead of / (a fixture tree or a mounted image)')
    .option('--arch <arch>', 'the Node.js architecture to judge: arm64, arm or x64 (default: this Node, or the --root tree\'s kernel)')
    .option('--url <url>', 'also check that this MQTT broker answers (mqtt://host:port)')
    .option('--model <bundle>', 'check free memory against this bundle\'s needs')
    .option('--no-native', 'skip loading the native TFLite library (it runs in a child process)')
    .option('--json', 'print one JSON object instead of the text report')
    .action(runAction(async (options: DoctorCliOptions) => {
      if (options.arch !== undefined && !['arm64', 'arm', 'x64'].includes(options.arch)) {
        throw new RangeError(`--arch must be arm64, arm or x64, found ${JSON.stringify(options.arch)}`);
      }
      const report = await runPreflight({
        ...(options.root === undefined ? {} : { root: options.root }),
        ...(options.arch === undefined ? {} : { arch: options.arch }),
        ...(options.url === undefined ? {} : { url: options.url }),
        ...(options.model === undefined ? {} : { model: options.model }),
        ...(options.native ? {} : { probeNative: false as const }),
      });
      let choice: BackendChoice | null = null;
      let choiceError: DoctorJson['choiceError'];
      try {
        choice = chooseBackendAndThreads({ findings: report.findings, board: report.board });
      } catch (err) {
        if (!isTinyEdgeError(err)) throw err;
        choiceError = { code: err.code, message: err.message, hint: err.hint };
      }
      if (!report.ok) process.exitCode = EXIT_FAILURE;
      if (options.json === true) {
        const body: DoctorJson = {
          ok: report.ok,
          findings: report.findings,
          board: report.board === null ? null : { id: report.board.profile.id, name: report.board.profile.name, matchedBy: report.board.matchedBy },
          cpu: report.cpu,
          choice,
          ...(choiceError === undefined ? {} : { choiceError }),
        };
        process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
        return;
      }
      const width = Math.max(...report.findings.map((f) => f.id.length));
      const lines: string[] = [];
      for (const f of report.findings) {
        lines.push(`${MARK[f.status]}  ${f.id.padEnd(width)}  ${f.message}`);
        if (f.hint !== '' && f.status !== 'ok') lines.push(`${' '.repeat(width + 8)}hint: ${f.hint}`);
      }
      if (choice !== null) lines.push('', `runtime: ${choice.backend} backend, ${choice.reason}`);
      else if (choiceError !== undefined) lines.push('', `runtime: no backend can run here (${choiceError.code})`);
      const count = (s: PreflightFinding['status']): number => report.findings.filter((f) => f.status === s).length;
      lines.push(`${count('ok')} ok, ${count('warn')} warn, ${count('fail')} fail`);
      process.stdout.write(`${lines.join('\n')}\n`);
    }));
}
