import { access } from 'node:fs/promises';
import { isTinyEdgeError, TinyEdgeError } from '../errors.js';
import { runCommand } from '../power/command-runner.js';
import type { CommandRunner } from '../power/command-runner.js';
import { isLiveRoot, listEntries, readOptionalText, resolveRoot, underRoot } from './sysfs-read.js';

/**
 * Raspberry Pi firmware throttling conditions. `null` means the source
 * cannot tell (the `rpi_volt` hwmon chip only knows about under-voltage).
 */
export interface ThrottleFlags {
  /** Supply voltage below about 4.63 V (bit 0, or bit 16 since boot). */
  underVoltage: boolean | null;
  /** ARM clock capped (bit 1 / 17). */
  frequencyCapped: boolean | null;
  /** Throttled (bit 2 / 18). */
  throttled: boolean | null;
  /** Soft temperature limit active (bit 3 / 19). */
  softTemperatureLimit: boolean | null;
}

/** The Raspberry Pi throttling state, decoded. */
export interface ThrottleState {
  /** Where it came from: `vcgencmd get_throttled`, the firmware's sysfs file, or the `rpi_volt` hwmon alarm. */
  source: 'vcgencmd' | 'sysfs' | 'rpi_volt';
  /** The raw bit field (`throttled=0x50005` gives `0x50005`); null from `rpi_volt`. */
  raw: number | null;
  /** Conditions right now. */
  now: ThrottleFlags;
  /** Conditions that occurred since boot. */
  sinceBoot: ThrottleFlags;
}

/** Options of {@link readThrottling}. */
export interface ReadThrottlingOptions {
  /** Directory laid out like `/`. Default `/`. */
  root?: string;
  /**
   * Runs `vcgencmd`. Default: the real one, but only when `root` is `/`
   * (a fixture tree has no firmware to ask). Tests pass their own.
   */
  runner?: CommandRunner;
}

const VCGENCMD_PATHS = ['/usr/bin/vcgencmd', '/opt/vc/bin/vcgencmd'];
const FIRMWARE_FILE = '/sys/devices/platform/soc/soc:firmware/get_throttled';

/**
 * Decodes the bit field `vcgencmd get_throttled` prints.
 *
 * @param raw - the value, e.g. `0x50005`
 * @returns what is happening now and what happened since boot
 * @throws RangeError when `raw` is not a non-negative integer
 * @example
 * ```ts
 * decodeThrottled(0x50005).now.underVoltage; // true
 * ```
 */
export function decodeThrottled(raw: number): Pick<ThrottleState, 'now' | 'sinceBoot'> {
  if (!Number.isInteger(raw) || raw < 0) throw new RangeError(`the throttled bit field is a non-negative integer, found ${raw}`);
  const bit = (n: number): boolean => ((raw >>> n) & 1) === 1;
  return {
    now: { underVoltage: bit(0), frequencyCapped: bit(1), throttled: bit(2), softTemperatureLimit: bit(3) },
    sinceBoot: { underVoltage: bit(16), frequencyCapped: bit(17), throttled: bit(18), softTemperatureLimit: bit(19) },
  };
}

/**
 * Reads the Raspberry Pi throttling flags (under-voltage, capped clock,
 * throttling, soft temperature limit), trying in turn:
 * `vcgencmd get_throttled` when it is installed under `root`, the
 * firmware's `get_throttled` sysfs file, and the `rpi_volt` hwmon chip's
 * under-voltage alarm.
 *
 * @param options - root directory and command runner
 * @returns the state, or null on a board with none of those (anything but a Raspberry Pi)
 * @throws TinyEdgeError `E_PERMISSION` when vcgencmd cannot open `/dev/vcio` (user not in the `video` group)
 *   or a file is unreadable, `E_SENSOR` when the output cannot be parsed
 * @example
 * ```ts
 * const state = await readThrottling();
 * if (state?.sinceBoot.underVoltage) console.warn('Use a better power supply.');
 * ```
 */
export async function readThrottling(options: ReadThrottlingOptions = {}): Promise<ThrottleState | null> {
  const root = resolveRoot(options.root);
  const runner = options.runner ?? (isLiveRoot(root) ? runCommand : undefined);
  if (runner !== undefined) {
    const vcgencmd = await findFile(root, VCGENCMD_PATHS);
    if (vcgencmd !== undefined) {
      let out: string | undefined;
      try {
        out = await runner(vcgencmd, ['get_throttled']);
      } catch (err) {
        if (!isTinyEdgeError(err, 'E_NOT_FOUND')) throw err;
      }
      if (out !== undefined) return fromRaw('vcgencmd', parseVcgencmd(out, vcgencmd));
    }
  }
  const firmware = await readOptionalText(root, FIRMWARE_FILE);
  if (firmware !== undefined) {
    const text = firmware.trim().replace(/^0x/i, '');
    if (!/^[0-9a-f]+$/i.test(text)) {
      throw new TinyEdgeError('E_SENSOR', `${underRoot(root, FIRMWARE_FILE)}: expected a hex bit field, found ${JSON.stringify(firmware.trim().slice(0, 40))}.`,
        'Check the kernel and firmware versions.');
    }
    return fromRaw('sysfs', Number.parseInt(text, 16));
  }
  for (const hwmon of await listEntries(root, '/sys/class/hwmon')) {
    const name = (await readOptionalText(root, `/sys/class/hwmon/${hwmon}/name`))?.trim();
    if (name !== 'rpi_volt') continue;
    const alarm = (await readOptionalText(root, `/sys/class/hwmon/${hwmon}/in0_lcrit_alarm`))?.trim();
    if (alarm === undefined) continue;
    // The driver polls the firmware every 2 s and clears the sticky bit as it reads: the alarm is "under-voltage lately".
    const unknown = { frequencyCapped: null, throttled: null, softTemperatureLimit: null };
    return { source: 'rpi_volt', raw: null, now: { underVoltage: alarm === '1', ...unknown }, sinceBoot: { underVoltage: null, ...unknown } };
  }
  return null;
}

function fromRaw(source: 'vcgencmd' | 'sysfs', raw: number): ThrottleState {
  return { source, raw, ...decodeThrottled(raw) };
}

function parseVcgencmd(out: string, command: string): number {
  const m = /throttled=(0x[0-9a-f]+|\d+)/i.exec(out);
  if (!m || m[1] === undefined) {
    throw new TinyEdgeError('E_SENSOR', `${command} get_throttled printed ${JSON.stringify(out.trim().slice(0, 60))}, expected "throttled=0x...".`,
      'Run `vcgencmd get_throttled` by hand; update the firmware if it prints something else.');
  }
  return Number(m[1]);
}

async function findFile(root: string, devicePaths: string[]): Promise<string | undefined> {
  for (const path of devicePaths) {
    try {
      await access(underRoot(root, path));
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}
