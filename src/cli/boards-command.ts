import { Command } from 'commander';
import { loadBoardCatalog } from '../hal/boards.js';
import type { BoardCatalogEntry } from '../hal/boards.js';
import { runAction } from './run-action.js';

/** What `tinyedge boards --json` prints. */
export interface BoardsResult {
  /** Every profile, user boards first, with where it came from. */
  boards: BoardCatalogEntry[];
}

/**
 * Creates `tinyedge boards [--json]`: every board profile, one line each
 * (id, name, architecture, cores and clock, idle and load watts, and
 * whether it is shipped, a user board or a shipped board with user
 * overrides). User boards come from `TINYEDGE_BOARDS` or `--boards DIR`.
 * Fails with `E_BOARD_PROFILE` for a broken board file.
 *
 * @returns the subcommand, for `program.addCommand`
 * @example
 * ```ts
 * program.addCommand(boardsCommand());
 * // $ tinyedge boards --json
 * ```
 */
export function boardsCommand(): Command {
  return new Command('boards')
    .description('list every board profile: shipped ones and yours (TINYEDGE_BOARDS), one line each')
    .option('--boards <dir>', 'a directory of your own board files (default: TINYEDGE_BOARDS)')
    .option('--json', 'print one JSON object with every profile in full')
    .action(runAction(async (options: { boards?: string; json?: boolean }) => {
      const boards = await loadBoardCatalog(options.boards === undefined ? {} : { dir: options.boards });
      if (options.json === true) {
        const result: BoardsResult = { boards };
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      const rows = boards.map(({ profile: p, source }) => [
        p.id, p.name, p.arch, `${p.cpu.cores}x ${p.cpu.maxMHz} MHz`, `${p.power.idleW}-${p.power.loadW} W`, source,
      ]);
      const header = ['id', 'name', 'arch', 'cpu', 'power', 'source'];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
      const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
      process.stdout.write(`${[line(header), ...rows.map(line)].join('\n')}\n`);
    }));
}
