import { TinyEdgeError } from '../errors.js';
import { listEntries, readInteger, readOptionalText, resolveRoot, writeText } from './sysfs-read.js';

/** One LED under `/sys/class/leds`. */
export interface LedState {
  /** Directory name, e.g. `ACT`. */
  name: string;
  /** Current brightness (0 = off). */
  brightness: number;
  /** Highest brightness (1 for a plain on/off LED). */
  maxBrightness: number;
  /** The active trigger (the one in brackets), e.g. `mmc0`; null when the LED has no trigger file. */
  trigger: string | null;
  /** Every trigger the LED accepts. */
  triggers: string[];
}

/** A change to apply to an LED; see {@link setLed}. */
export interface LedChange {
  /** Trigger to select, e.g. `none` (manual control), `heartbeat`, `mmc0`. Applied before `brightness`. */
  trigger?: string;
  /** Brightness to set; with a trigger other than `none` the trigger soon overrides it. */
  brightness?: number;
}

/** Options of {@link readLeds}. */
export interface ReadLedsOptions {
  /** Directory laid out like `/`. Default `/`. */
  root?: string;
}

/** Options of {@link setLed}. */
export interface SetLedOptions extends LedChange {
  /** Directory laid out like `/`. Default `/`. */
  root?: string;
  /** The LED's directory name under `/sys/class/leds`, e.g. `ACT`. */
  name: string;
}

const BASE = '/sys/class/leds';

/**
 * Reads every LED under `/sys/class/leds` (brightness, max_brightness, trigger).
 *
 * @param options - root directory
 * @returns the LEDs, by name
 * @throws TinyEdgeError `E_PERMISSION` / `E_NOT_FOUND` / `E_SENSOR` for an unreadable, incomplete or malformed LED
 * @example
 * ```ts
 * const act = (await readLeds()).find((led) => led.name === 'ACT');
 * ```
 */
export async function readLeds(options: ReadLedsOptions = {}): Promise<LedState[]> {
  const root = resolveRoot(options.root);
  const leds: LedState[] = [];
  for (const name of await listEntries(root, BASE)) {
    const triggerText = await readOptionalText(root, `${BASE}/${name}/trigger`);
    const triggers = (triggerText ?? '').trim().split(/\s+/).filter((t) => t !== '');
    const active = triggers.find((t) => t.startsWith('[') && t.endsWith(']'));
    leds.push({
      name,
      brightness: await readInteger(root, `${BASE}/${name}/brightness`),
      maxBrightness: await readInteger(root, `${BASE}/${name}/max_brightness`),
      // The kernel brackets the active trigger; a plain one-word file (a fixture, a test double) names it directly.
      trigger: triggerText === undefined ? null : (active?.slice(1, -1) ?? (triggers.length === 1 ? (triggers[0] ?? 'none') : 'none')),
      triggers: triggers.map((t) => t.replace(/^\[(.*)\]$/, '$1')),
    });
  }
  return leds;
}

/**
 * Changes an LED: selects a trigger, sets a brightness, or both (trigger
 * first). Writing needs root, or a udev rule granting access.
 *
 * @param options - root directory, LED name and the change
 * @throws TypeError for a name with `/` or a negative/non-integer brightness
 * @throws TinyEdgeError `E_NOT_FOUND` when there is no such LED, `E_PERMISSION` when its files are not
 *   writable (the hint says how to allow it), `E_IO` when the driver refuses the trigger
 * @example
 * ```ts
 * await setLed({ name: 'ACT', trigger: 'none', brightness: 1 });
 * await setLed({ name: 'ACT', trigger: 'mmc0' }); // back to SD-card activity
 * ```
 */
export async function setLed(options: SetLedOptions): Promise<void> {
  const root = resolveRoot(options.root);
  const { name, trigger, brightness } = options;
  if (typeof name !== 'string' || name === '' || name.includes('/') || name === '.' || name === '..') {
    throw new TypeError(`LED name must be a directory name under /sys/class/leds, found ${JSON.stringify(name)}`);
  }
  if (brightness !== undefined && (!Number.isInteger(brightness) || brightness < 0)) {
    throw new TypeError(`brightness must be a non-negative integer, found ${brightness}`);
  }
  if (trigger !== undefined && (typeof trigger !== 'string' || !/^[\w:.-]+$/.test(trigger))) {
    throw new TypeError(`trigger must be a trigger name such as "none" or "mmc0", found ${JSON.stringify(trigger)}`);
  }
  if ((await listEntries(root, BASE)).indexOf(name) < 0) {
    throw new TinyEdgeError('E_NOT_FOUND', `There is no LED named ${JSON.stringify(name)} under ${root === '/' ? '' : root}${BASE}.`,
      'List the LEDs with `ls /sys/class/leds` (or readLeds()) and use one of those names.');
  }
  if (trigger !== undefined) await writeText(root, `${BASE}/${name}/trigger`, trigger);
  if (brightness !== undefined) await writeText(root, `${BASE}/${name}/brightness`, String(brightness));
}
