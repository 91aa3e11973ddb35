import { TinyEdgeError } from '../errors.js';
import { readText, resolveRoot, underRoot } from './sysfs-read.js';

/** Tracks CPU utilisation between calls, from `/proc/stat`; see {@link createCpuUtilisation}. */
export interface CpuUtilisation {
  /**
   * Utilisation of all cores together since the previous call (since boot
   * on the first call): 0 = idle, 1 = every core busy. When no time has
   * passed in `/proc/stat` (two calls within one clock tick, or a static
   * fixture tree) it returns the previous value.
   */
  sample(): Promise<number>;
}

/** Options of {@link createCpuUtilisation}. */
export interface CpuUtilisationOptions {
  /** Directory laid out like `/`. Default `/`. */
  root?: string;
}

/**
 * Creates a CPU utilisation tracker over the aggregate `cpu` line of
 * `/proc/stat`: busy = all ticks except `idle` and `iowait` (guest time is
 * already counted in `user`). Counters that go backwards (a CPU taken
 * offline) restart the baseline.
 *
 * @param options - root directory
 * @returns a tracker; each `sample()` throws TinyEdgeError `E_NOT_FOUND` / `E_PERMISSION` / `E_SENSOR` when
 *   `/proc/stat` cannot be read or parsed
 * @example
 * ```ts
 * const cpu = createCpuUtilisation();
 * await cpu.sample();                       // baseline
 * await new Promise((r) => setTimeout(r, 500));
 * console.log(`${((await cpu.sample()) * 100).toFixed(0)} %`);
 * ```
 */
export function createCpuUtilisation(options: CpuUtilisationOptions = {}): CpuUtilisation {
  const root = resolveRoot(options.root);
  let last = { busy: 0, total: 0 };
  let previous = 0;
  return {
    async sample(): Promise<number> {
      const now = parseStat(await readText(root, '/proc/stat'), root);
      let busy = now.busy - last.busy;
      let total = now.total - last.total;
      if (busy < 0 || total < 0) {
        busy = now.busy;
        total = now.total;
      }
      last = now;
      if (total > 0) previous = Math.min(1, Math.max(0, busy / total));
      return previous;
    },
  };
}

function parseStat(text: string, root: string): { busy: number; total: number } {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  const fields = line?.trim().split(/\s+/).slice(1, 9).map(Number) ?? [];
  if (fields.length < 4 || fields.some((v) => !Number.isFinite(v))) {
    throw new TinyEdgeError('E_SENSOR', `${underRoot(root, '/proc/stat')}: expected a "cpu user nice system idle ..." line.`,
      'Is this a Linux /proc? Check the --root directory.');
  }
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}
