import { Command } from 'commander';
import { parseTarget } from '../deploy/deploy-target.js';
import { flash, rollback } from '../deploy/flash.js';
import type { FlashResult } from '../deploy/flash.js';
import { getBoard } from '../hal/boards.js';
import { createProgressBar } from './progress-bar.js';
import { runAction } from './run-action.js';

interface FlashCliOptions {
  board?: string;
  target: string;
  dryRun?: boolean;
  keep: string;
  rollback?: boolean;
  sshOption: string[];
  json?: boolean;
}

const PHASES: Record<string, string> = { bundle: 'bundling', copy: 'collecting', hash: 'hashing', upload: 'uploading', verify: 'verifying', health: 'health check' };

/**
 * Creates `tinyedge flash <app-dir> --board <id> --target <dir|ssh://...>`
 * (and `flash --rollback --target ...`): builds an app for a board, deploys
 * it as a new release, health-checks it on the target and rolls back by
 * itself when the check fails. See docs/flash.md.
 *
 * @returns the subcommand, for `program.addCommand`
 *
 * @example
 * ```ts
 * program.addCommand(flashCommand());
 * // $ tinyedge flash examples/smart-fridge --board raspberry-pi-5 --target ssh://pi@fridge.local/opt/fridge
 * ```
 */
export function flashCommand(): Command {
  return new Command('flash')
    .description('build an app for a board and deploy it as a verified, health-checked release (rolls back by itself)')
    .argument('[app-dir]', 'the app directory (with tinyedge.app.json)')
    .requiredOption('--target <dir|ssh://user@host[:port]/path>', 'where releases live: a directory, or a board over ssh')
    .option('--board <id>', 'the board profile to build for (see `tinyedge boards`)')
    .option('--keep <n>', 'releases to keep on the target', '3')
    .option('--dry-run', 'build and list what would happen, change nothing on the target')
    .option('--rollback', 'switch the target back to the release before the live one')
    .option('--ssh-option <arg>', 'extra argument for ssh, e.g. --ssh-option=-i --ssh-option=~/.ssh/pi (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--json', 'print one JSON object when done')
    .action(runAction(async (appDir: string | undefined, options: FlashCliOptions) => {
      const target = parseTarget(options.target, { sshArgs: options.sshOption });
      const json = options.json === true;
      if (options.rollback === true) {
        const result = await rollback({ target, onStep: json ? undefined : (s) => process.stderr.write(`${s}\n`) });
        process.stdout.write(json ? `${JSON.stringify({ status: 'rolled-back', ...result })}\n` : `rolled back ${target.description}: ${result.from} -> ${result.to}\n`);
        return;
      }
      if (appDir === undefined) throw new RangeError('give the app directory to flash, or --rollback');
      if (options.board === undefined) throw new RangeError('--board is required to flash (see `tinyedge boards`)');
      const keep = Number(options.keep);
      if (!Number.isInteger(keep) || keep < 1) throw new RangeError(`--keep must be a positive integer, got ${options.keep}`);
      const board = await getBoard(options.board);
      const bar = createProgressBar('{phase} {bar} {percentage}% | {value}/{total}', !json);
      let result: FlashResult;
      try {
        result = await flash({
          appDir,
          board: { id: board.id, arch: board.arch },
          target,
          keep,
          dryRun: options.dryRun === true,
          onProgress: (e) => bar.update(e.done, e.total, { phase: PHASES[e.phase] ?? e.phase }),
          onStep: json ? undefined : (s) => {
            bar.stop();
            process.stderr.write(`${s}\n`);
          },
        });
      } finally {
        bar.stop();
      }
      if (json) {
        process.stdout.write(`${JSON.stringify(result)}\n`);
      } else if (result.status === 'deployed') {
        process.stdout.write(`deployed ${result.version} to ${result.target}\n`);
      } else if (result.status === 'rolled-back') {
        process.stdout.write(`rolled back: ${result.reason}; live release: ${result.live ?? 'none'}\n`);
      } else {
        process.stdout.write(`dry run: nothing changed on ${result.target}\n`);
      }
      if (result.status === 'rolled-back') process.exitCode = 1;
    }));
}
