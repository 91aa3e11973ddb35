// Small readers for the one-value-per-file sysfs convention, with the
// errors mapped to what the user can do about them. Internal to src/power.
import { readdir, readFile } from 'node:fs/promises';
import { TinyEdgeError } from '../errors.js';

/** Text of a sysfs attribute, trimmed; `null` when the file does not exist. */
export async function readAttribute(path: string, permissionHint: string): Promise<string | null> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw sysfsError(err, path, permissionHint);
  }
}

/**
 * A numeric sysfs attribute. Fails with `E_NOT_FOUND` when the file is
 * missing, `E_PERMISSION` when it is not readable, `E_SENSOR` when the
 * driver refuses (ENODATA, EIO) or the text is not a number.
 */
export async function readNumber(path: string, permissionHint: string): Promise<number> {
  const text = await readAttribute(path, permissionHint);
  if (text === null) {
    throw new TinyEdgeError('E_NOT_FOUND', `${path} does not exist.`, 'The sensor went away (driver unloaded or device unplugged); check dmesg.');
  }
  const value = Number(text);
  if (text === '' || !Number.isFinite(value)) {
    throw new TinyEdgeError('E_SENSOR', `${path}: expected a number, found ${JSON.stringify(text.slice(0, 40))}.`,
      'The driver reported something unexpected; check the kernel version and dmesg.');
  }
  return value;
}

/** Entries of a directory, sorted; `[]` when it does not exist. */
export async function listDirectory(path: string): Promise<string[]> {
  try {
    return (await readdir(path)).sort();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw sysfsError(err, path, 'Check the permissions of the directory.');
  }
}

/** Map a failed sysfs read to a TinyEdgeError. */
export function sysfsError(err: unknown, path: string, permissionHint: string): TinyEdgeError {
  const code = (err as NodeJS.ErrnoException).code;
  const message = (err as Error).message;
  if (code === 'EACCES' || code === 'EPERM') {
    return new TinyEdgeError('E_PERMISSION', `Cannot read ${path}: permission denied.`, permissionHint, { cause: err });
  }
  if (code === 'ENODATA') {
    return new TinyEdgeError('E_SENSOR', `${path}: the sensor is disabled or has no data yet (ENODATA).`,
      'Enable the channel in the device tree or wait for the first conversion.', { cause: err });
  }
  return new TinyEdgeError('E_SENSOR', `Cannot read ${path}: ${message}.`, 'Check dmesg for errors from the sensor\'s driver.', { cause: err });
}
