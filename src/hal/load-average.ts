import { TinyEdgeError } from '../errors.js';
import { readText, resolveRoot, underRoot } from './sysfs-read.js';

/** The load average from `/proc/loadavg`. */
export interface LoadAverage {
  /** Runnable plus uninterruptible tasks, averaged over 1 minute. */
  one: number;
  /** ... over 5 minutes. */
  five: number;
  /** ... over 15 minutes. */
  fifteen: number;
  /** Tasks runnable right now. */
  running: number;
  /** Tasks in total. */
  total: number;
}

/** Options of {@link readLoadAverage}. */
export interface ReadLoadAverageOptions {
  /** Directory laid out like `/`. Default `/`. */
  root?: string;
}

/**
 * Reads `/proc/loadavg`. Divide by the core count to compare boards.
 *
 * @param options - root directory
 * @returns the averages
 * @throws TinyEdgeError `E_NOT_FOUND` / `E_PERMISSION` when unreadable, `E_SENSOR` when malformed
 * @example
 * ```ts
 * const { one } = await readLoadAverage();
 * ```
 */
export async function readLoadAverage(options: ReadLoadAverageOptions = {}): Promise<LoadAverage> {
  const root = resolveRoot(options.root);
  const text = await readText(root, '/proc/loadavg');
  const m = /^\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)\/(\d+)/.exec(text);
  if (!m) {
    throw new TinyEdgeError('E_SENSOR', `${underRoot(root, '/proc/loadavg')}: expected "1.00 0.50 0.25 2/180 1234", found ${JSON.stringify(text.trim().slice(0, 60))}.`,
      'Is this a Linux /proc? Check the --root directory.');
  }
  return { one: Number(m[1]), five: Number(m[2]), fifteen: Number(m[3]), running: Number(m[4]), total: Number(m[5]) };
}
