import { join } from 'node:path';
import { TinyEdgeError } from '../errors.js';
import type { PowerReading, PowerSource } from './power-source.js';
import { listDirectory, readAttribute, readNumber } from './sysfs-files.js';

/** How tinyedge reads a hwmon power chip: by the driver family its `name` belongs to. */
export type HwmonPowerFamily = 'ina2xx' | 'ina238' | 'ina3221';

/** A power-monitor chip found under `/sys/class/hwmon`. */
export interface HwmonPowerChip {
  /** The chip's `name` file, e.g. `ina219`. */
  name: string;
  /** Its directory (`<root>/sys/class/hwmon/hwmonN`); the number is not stable across boots. */
  dir: string;
  /** The driver family, which decides the files read. */
  family: HwmonPowerFamily;
}

/** Chips of the kernel's `ina2xx` driver: `power1_input` in microwatts. */
const INA2XX = ['ina219', 'ina220', 'ina226', 'ina230', 'ina231', 'ina234', 'ina260', 'sy24655'];
/** Chips of the kernel's `ina238` driver: `energy1_input` in microjoules where present, else `power1_input`. */
const INA238 = ['ina228', 'ina237', 'ina238', 'ina780', 'sq52206'];

/** The driver family of a hwmon `name`, or null when tinyedge cannot read power from it. */
function familyOf(name: string): HwmonPowerFamily | null {
  if (INA2XX.includes(name)) return 'ina2xx';
  if (INA238.includes(name)) return 'ina238';
  if (name === 'ina3221') return 'ina3221';
  return null;
}

const PERMISSION_HINT = 'Some drivers make power files readable by root only: run as root, or add a udev rule that sets the mode of the hwmon files to 0444.';

/**
 * List the power-monitor chips tinyedge can read (INA219/220/226/230/231/
 * 234/260, INA228/237/238/780, INA3221 and compatibles), found by each
 * hwmon device's `name` file, never by its `hwmonN` number.
 *
 * @param options - `root`: the filesystem root holding `sys/` (default `/`)
 * @returns the chips, in `hwmonN` directory order
 * @example
 * ```ts
 * const chips = await findHwmonPowerChips({ root: '/' }); // [{ name: 'ina219', dir: '/sys/class/hwmon/hwmon2', family: 'ina2xx' }]
 * ```
 */
export async function findHwmonPowerChips(options: { root?: string } = {}): Promise<HwmonPowerChip[]> {
  const chips: HwmonPowerChip[] = [];
  for (const { name, dir } of await listHwmon(options.root ?? '/')) {
    const family = familyOf(name);
    if (family !== null) chips.push({ name, dir, family });
  }
  return chips;
}

/** Every hwmon device with a readable `name`. */
async function listHwmon(root: string): Promise<Array<{ name: string; dir: string }>> {
  const base = join(root, 'sys/class/hwmon');
  const found: Array<{ name: string; dir: string }> = [];
  for (const entry of await listDirectory(base)) {
    const dir = join(base, entry);
    const name = await readAttribute(join(dir, 'name'), PERMISSION_HINT).catch(() => null);
    if (name !== null) found.push({ name, dir });
  }
  return found;
}

/** Options of {@link openHwmonPowerSource}. */
export interface HwmonPowerSourceOptions {
  /** The filesystem root holding `sys/`. Default `/`. */
  root?: string;
  /** Chip names in order of preference (a board profile's hwmon `chips`); the first present wins. Default: any known chip. */
  chips?: readonly string[];
}

/**
 * Open the first power-monitor chip found under `<root>/sys/class/hwmon`:
 *
 * - `ina2xx` chips: `power1_input`, microwatts, integrated by the trapezoid rule
 * - `ina238` chips: the `energy1_input` counter, microjoules, where the driver has it; else `power1_input`
 * - `ina3221`: bus voltage x current per channel (`in<N>_input` mV x `curr<N>_input` mA); a channel
 *   labelled as the total input (`VDD_IN`, `total`, `system`, ...) is used alone, else the channels are summed
 *
 * @param options - see {@link HwmonPowerSourceOptions}
 * @returns the source; its id is `hwmon:<name>`
 * @throws TinyEdgeError `E_NOT_FOUND` when no such chip is present, `E_PERMISSION` when its files are unreadable
 * @example
 * ```ts
 * const source = await openHwmonPowerSource({ chips: ['ina219'] });
 * console.log(source.id, await source.read()); // hwmon:ina219 { type: 'power', watts: 3.1 }
 * ```
 */
export async function openHwmonPowerSource(options: HwmonPowerSourceOptions = {}): Promise<PowerSource> {
  const found = await findHwmonPowerChips(options);
  const wanted = options.chips;
  const chip = wanted === undefined || wanted.length === 0
    ? found[0]
    : wanted.map((name) => found.find((c) => c.name === name)).find((c) => c !== undefined);
  if (chip === undefined) {
    const looked = wanted === undefined || wanted.length === 0 ? 'No known power monitor (INA2xx, INA238 family, INA3221)' : `No hwmon chip named ${wanted.join(' or ')}`;
    const present = (await listHwmon(options.root ?? '/')).map((c) => c.name);
    throw new TinyEdgeError('E_NOT_FOUND', `${looked} under ${join(options.root ?? '/', 'sys/class/hwmon')} (present: ${present.join(', ') || 'none'}).`,
      'Load the driver for your power monitor (e.g. a device-tree overlay or `echo ina219 0x40 > /sys/bus/i2c/devices/i2c-1/new_device`), or pick another source.');
  }
  if (chip.family === 'ina3221') return openIna3221(chip);
  if (chip.family === 'ina238' && (await readAttribute(join(chip.dir, 'energy1_input'), PERMISSION_HINT)) !== null) {
    return energyCounterSource(chip);
  }
  const file = join(chip.dir, 'power1_input');
  await readNumber(file, PERMISSION_HINT);
  return {
    id: `hwmon:${chip.name}`, kind: 'measured', boundary: 'board-input',
    label: `${chip.name.toUpperCase()} shunt monitor, power1_input (measured where the shunt sits, usually the board's supply)`,
    read: async (): Promise<PowerReading> => ({ type: 'power', watts: (await readNumber(file, PERMISSION_HINT)) / 1e6 }),
    close: async () => undefined,
  };
}

/** `energy1_input` (µJ) as a monotonic counter in joules; a decrease means the driver reset it. */
async function energyCounterSource(chip: HwmonPowerChip): Promise<PowerSource> {
  const file = join(chip.dir, 'energy1_input');
  let last = await readNumber(file, PERMISSION_HINT);
  let total = 0;
  return {
    id: `hwmon:${chip.name}`, kind: 'measured', boundary: 'board-input',
    label: `${chip.name.toUpperCase()} energy counter, energy1_input (measured where the shunt sits, usually the board's supply)`,
    read: async (): Promise<PowerReading> => {
      const raw = await readNumber(file, PERMISSION_HINT);
      // A reset (driver reload, chip power cycle) restarts from 0: count what it counted since.
      total += raw >= last ? raw - last : raw;
      last = raw;
      return { type: 'energy', joules: total / 1e6 };
    },
    close: async () => undefined,
  };
}

/** Labels of an INA3221 channel that measures the board's whole input (as on NVIDIA Jetson modules). */
const TOTAL_LABEL = /total|system|(^|_)in$|^vdd_in|^vin/i;

async function openIna3221(chip: HwmonPowerChip): Promise<PowerSource> {
  const channels: Array<{ n: number; label: string }> = [];
  for (const n of [1, 2, 3]) {
    const input = join(chip.dir, `in${n}_input`);
    try {
      await readNumber(input, PERMISSION_HINT);
      await readNumber(join(chip.dir, `curr${n}_input`), PERMISSION_HINT);
    } catch (err) {
      if (err instanceof TinyEdgeError && err.code === 'E_PERMISSION') throw err;
      continue; // a channel that is absent or disabled (ENODATA)
    }
    const label = (await readAttribute(join(chip.dir, `in${n}_label`), PERMISSION_HINT)) ?? `channel ${n}`;
    channels.push({ n, label });
  }
  if (channels.length === 0) {
    throw new TinyEdgeError('E_SENSOR', `${chip.dir}: the INA3221 has no enabled channel with both in<N>_input and curr<N>_input.`,
      'Enable the channels in the device tree (shunt-resistor-micro-ohms per channel).');
  }
  const total = channels.find((c) => TOTAL_LABEL.test(c.label));
  const used = total === undefined ? channels : [total];
  const what = total === undefined ? `sum of channels ${used.map((c) => c.label).join(' + ')}` : `channel ${total.label}`;
  return {
    id: `hwmon:${chip.name}`, kind: 'measured', boundary: total === undefined ? 'rails' : 'board-input',
    label: `INA3221 ${what}, bus voltage x current`,
    read: async (): Promise<PowerReading> => {
      let watts = 0;
      for (const c of used) {
        const mV = await readNumber(join(chip.dir, `in${c.n}_input`), PERMISSION_HINT);
        const mA = await readNumber(join(chip.dir, `curr${c.n}_input`), PERMISSION_HINT);
        watts += (mV * mA) / 1e6;
      }
      return { type: 'power', watts };
    },
    close: async () => undefined,
  };
}
