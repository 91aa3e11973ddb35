import { join } from 'node:path';
import { TinyEdgeError } from '../errors.js';
import type { PowerReading, PowerSource } from './power-source.js';
import { listDirectory, readAttribute, readNumber } from './sysfs-files.js';

const PERMISSION_HINT = 'Check the permissions of the power_supply files (they are normally world-readable).';

/** A battery under `/sys/class/power_supply`. */
export interface BatteryInfo {
  /** Directory name, e.g. `BAT0`. */
  name: string;
  /** Its directory. */
  dir: string;
  /** The `status` file: `Charging`, `Discharging`, `Full`, `Not charging` or `Unknown`. */
  status: string;
}

/**
 * List batteries (`type` = `Battery`) under `<root>/sys/class/power_supply`.
 *
 * @param options - `root`: the filesystem root holding `sys/` (default `/`)
 * @returns the batteries, by directory name
 * @example
 * ```ts
 * const [battery] = await findBatteries(); // { name: 'BAT0', status: 'Discharging', ... }
 * ```
 */
export async function findBatteries(options: { root?: string } = {}): Promise<BatteryInfo[]> {
  const base = join(options.root ?? '/', 'sys/class/power_supply');
  const found: BatteryInfo[] = [];
  for (const name of await listDirectory(base)) {
    const dir = join(base, name);
    if ((await readAttribute(join(dir, 'type'), PERMISSION_HINT).catch(() => null)) !== 'Battery') continue;
    found.push({ name, dir, status: (await readAttribute(join(dir, 'status'), PERMISSION_HINT).catch(() => null)) ?? 'Unknown' });
  }
  return found;
}

/**
 * Open a battery as a power source: `power_now` (microwatts) where the
 * driver has it, else `voltage_now` (microvolts) x `current_now`
 * (microamps). Signs differ between drivers, so the magnitude is used. This
 * is the board's draw only while the battery discharges; on mains it is the
 * charging power instead.
 *
 * @param options - `root` (default `/`) and `name`, the battery directory (default: the first battery)
 * @returns the source, id `battery:<name>`
 * @throws TinyEdgeError `E_NOT_FOUND` when there is no battery or it reports neither power nor voltage and current
 * @example
 * ```ts
 * const battery = await openBatteryPowerSource({ name: 'BAT0' });
 * ```
 */
export async function openBatteryPowerSource(options: { root?: string; name?: string } = {}): Promise<PowerSource> {
  const batteries = await findBatteries(options);
  const battery = options.name === undefined ? batteries[0] : batteries.find((b) => b.name === options.name);
  if (battery === undefined) {
    throw new TinyEdgeError('E_NOT_FOUND', `No battery${options.name === undefined ? '' : ` named ${options.name}`} under ${join(options.root ?? '/', 'sys/class/power_supply')}.`,
      'A battery appears there when its fuel-gauge driver is loaded (UPS HATs need their overlay); pick another source.');
  }
  const file = (f: string): string => join(battery.dir, f);
  const hasPower = (await readAttribute(file('power_now'), PERMISSION_HINT)) !== null;
  if (!hasPower && ((await readAttribute(file('voltage_now'), PERMISSION_HINT)) === null || (await readAttribute(file('current_now'), PERMISSION_HINT)) === null)) {
    throw new TinyEdgeError('E_NOT_FOUND', `${battery.dir} has neither power_now nor voltage_now and current_now.`,
      'This fuel gauge does not report power; pick another source.');
  }
  return {
    id: `battery:${battery.name}`, kind: 'measured', boundary: 'battery',
    label: `battery ${battery.name}, ${hasPower ? 'power_now' : 'voltage_now x current_now'} (the board's draw while discharging)`,
    read: async (): Promise<PowerReading> => {
      if (hasPower) return { type: 'power', watts: Math.abs(await readNumber(file('power_now'), PERMISSION_HINT)) / 1e6 };
      const uV = await readNumber(file('voltage_now'), PERMISSION_HINT);
      const uA = await readNumber(file('current_now'), PERMISSION_HINT);
      return { type: 'power', watts: Math.abs(uV * uA) / 1e12 };
    },
    close: async () => undefined,
  };
}
