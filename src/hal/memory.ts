import { TinyEdgeError } from '../errors.js';
import { readText, resolveRoot, underRoot } from './sysfs-read.js';

/** Memory figures from `/proc/meminfo`, MB (the file holds kB; 1 MB = 1024 kB here, as `free -m`). */
export interface MemoryInfo {
  /** `MemTotal`: RAM the kernel manages (less than the fitted RAM: firmware and GPU take some). */
  totalMB: number;
  /** `MemAvailable`: what a new program can get without swapping (estimated from free + buffers + cached on kernels before 3.14). */
  availableMB: number;
  /** `MemFree`: unused RAM. */
  freeMB: number;
  /** `SwapTotal`. */
  swapTotalMB: number;
  /** `SwapFree`. */
  swapFreeMB: number;
}

/** Options of {@link readMemory}. */
export interface ReadMemoryOptions {
  /** Directory laid out like `/`. Default `/`. */
  root?: string;
}

/**
 * Reads `/proc/meminfo`.
 *
 * @param options - root directory
 * @returns the figures, MB rounded to one decimal
 * @throws TinyEdgeError `E_NOT_FOUND` / `E_PERMISSION` when the file cannot be read, `E_SENSOR` when it lacks `MemTotal`
 * @example
 * ```ts
 * const { availableMB } = await readMemory();
 * if (availableMB < 200) console.warn('low memory');
 * ```
 */
export async function readMemory(options: ReadMemoryOptions = {}): Promise<MemoryInfo> {
  const root = resolveRoot(options.root);
  const text = await readText(root, '/proc/meminfo');
  const kB = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+(?:\(\w+\))?):\s+(\d+)/.exec(line);
    if (m) kB.set(m[1] ?? '', Number(m[2]));
  }
  const total = kB.get('MemTotal');
  if (total === undefined) {
    throw new TinyEdgeError('E_SENSOR', `${underRoot(root, '/proc/meminfo')} has no MemTotal line.`, 'Is this a Linux /proc/meminfo? Check the --root directory.');
  }
  const free = kB.get('MemFree') ?? 0;
  const available = kB.get('MemAvailable') ?? free + (kB.get('Buffers') ?? 0) + (kB.get('Cached') ?? 0);
  const mb = (v: number): number => Math.round((v / 1024) * 10) / 10;
  return { totalMB: mb(total), availableMB: mb(available), freeMB: mb(free), swapTotalMB: mb(kB.get('SwapTotal') ?? 0), swapFreeMB: mb(kB.get('SwapFree') ?? 0) };
}
