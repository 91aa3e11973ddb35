// Reading procfs and sysfs files below a root directory, with every failure
// turned into a TinyEdgeError that says what to do. Internal to src/hal.
import { readFileSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { TinyEdgeError } from '../errors.js';

/** Validates a `root` option and returns it absolute; `/` when absent. */
export function resolveRoot(root: string | undefined): string {
  if (root === undefined) return '/';
  if (typeof root !== 'string' || root === '') throw new TypeError(`root must be a non-empty directory path, found ${JSON.stringify(root)}`);
  return resolve(root);
}

/** True when `root` is the machine's own root directory. */
export function isLiveRoot(root: string): boolean {
  return resolve(root) === '/';
}

/** `root` joined with a path written as on the device (`/proc/stat` or `proc/stat`). */
export function underRoot(root: string, devicePath: string): string {
  return join(root, devicePath);
}

/**
 * What to tell the user when a file cannot be read or written for lack of
 * permission, by the area it belongs to.
 */
export function permissionHint(devicePath: string, writing = false): string {
  if (devicePath.includes('/powercap/')) {
    return 'RAPL energy counters are root-only since Linux 5.10 (CVE-2020-8694): run as root, or grant read access with '
      + '`sudo chmod -R a+r /sys/class/powercap/intel-rapl` (until reboot) or a sysfsutils rule.';
  }
  if (devicePath.includes('/leds/') && writing) {
    return 'LED files are writable by root only: run as root, or add a udev rule that gives a group (e.g. gpio) write access to /sys/class/leds/*.';
  }
  return `Run as a user that may ${writing ? 'write' : 'read'} ${devicePath}, or adjust its permissions.`;
}

/** Maps a failed read or write of `devicePath` (below `root`) to a TinyEdgeError. */
export function sysfsError(err: unknown, root: string, devicePath: string, writing = false): TinyEdgeError {
  const code = (err as NodeJS.ErrnoException).code;
  const path = underRoot(root, devicePath);
  const verb = writing ? 'write' : 'read';
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new TinyEdgeError('E_NOT_FOUND', `${path} does not exist.`,
      isLiveRoot(root)
        ? 'This machine does not provide it (is procfs/sysfs mounted, and does the driver exist here?).'
        : 'The --root directory must be laid out like / (proc/..., sys/...); check the path.',
      { cause: err });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new TinyEdgeError('E_PERMISSION', `Cannot ${verb} ${path}: permission denied.`, permissionHint(devicePath, writing), { cause: err });
  }
  if (code === 'ENODATA' || code === 'EAGAIN') {
    return new TinyEdgeError('E_SENSOR', `${path}: the sensor has no data (${code}); it is disabled or not ready.`,
      'Wait a moment and retry; if it persists, check dmesg for the driver.', { cause: err });
  }
  return new TinyEdgeError('E_IO', `Cannot ${verb} ${path}: ${(err as Error).message}.`,
    'Check dmesg for errors from the driver behind this file.', { cause: err });
}

/**
 * Reads procfs files synchronously: they are generated from kernel memory
 * (no device, no disk), so a synchronous read takes ~20 µs of CPU where the
 * promise API's open/fstat/read/close round trips through the thread pool
 * take ~200 µs; at 10 samples a second that is the sampler's main cost.
 * sysfs files stay asynchronous: a hwmon read can wait on an I2C transfer.
 */
async function readTextFile(root: string, devicePath: string): Promise<string> {
  const path = underRoot(root, devicePath);
  return devicePath.startsWith('/proc/') ? readFileSync(path, 'utf8') : readFile(path, 'utf8');
}

/** The text of a file below `root`; throws a TinyEdgeError when it cannot be read. */
export async function readText(root: string, devicePath: string): Promise<string> {
  try {
    return await readTextFile(root, devicePath);
  } catch (err) {
    throw sysfsError(err, root, devicePath);
  }
}

/** Like {@link readText}, but `undefined` when the file does not exist. */
export async function readOptionalText(root: string, devicePath: string): Promise<string | undefined> {
  try {
    return await readTextFile(root, devicePath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw sysfsError(err, root, devicePath);
  }
}

/** Entries of a directory below `root`, sorted naturally (`thermal_zone2` before `thermal_zone10`); `[]` when it does not exist. */
export async function listEntries(root: string, devicePath: string): Promise<string[]> {
  try {
    const names = await readdir(underRoot(root, devicePath));
    return names.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw sysfsError(err, root, devicePath);
  }
}

/** Writes `text` to a sysfs attribute below `root`. */
export async function writeText(root: string, devicePath: string, text: string): Promise<void> {
  try {
    await writeFile(underRoot(root, devicePath), text);
  } catch (err) {
    throw sysfsError(err, root, devicePath, true);
  }
}

/** Parses a whole-number attribute; a TinyEdgeError (`E_SENSOR`) when the text is not one. */
export function parseInteger(text: string, root: string, devicePath: string): number {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (trimmed === '' || !Number.isInteger(value)) {
    throw new TinyEdgeError('E_SENSOR', `${underRoot(root, devicePath)}: expected a whole number, found ${JSON.stringify(trimmed.slice(0, 40))}.`,
      'The driver reported something unexpected; check the kernel version and dmesg.');
  }
  return value;
}

/** Reads and parses a whole-number attribute. */
export async function readInteger(root: string, devicePath: string): Promise<number> {
  return parseInteger(await readText(root, devicePath), root, devicePath);
}

/** A file's text with a device-tree string's trailing NUL(s) removed. */
export function stripNul(text: string): string {
  return text.replace(/\0+$/, '').trim();
}
