import type { BoardProfile } from './board-profile.js';
import { isTinyEdgeError, TinyEdgeError } from '../errors.js';
import { listEntries, readText, resolveRoot, underRoot } from './sysfs-read.js';

/** One thermal zone's reading. */
export interface ThermalZoneReading {
  /** Directory name under `/sys/class/thermal`, e.g. `thermal_zone0`. */
  zone: string;
  /** The zone's `type`, e.g. `cpu-thermal`. */
  type: string;
  /** Temperature, degrees Celsius (the file holds millidegrees). */
  celsius: number;
  /** The board profile's label for this type (e.g. `soc`), when a profile was given and names it. */
  label?: string;
}

/** Options of {@link readThermalZones}. */
export interface ReadThermalZonesOptions {
  /** Directory laid out like `/`. Default `/`. */
  root?: string;
  /** Board profile whose `thermalZones` labels the readings. */
  board?: BoardProfile;
}

/**
 * Reads every thermal zone under `/sys/class/thermal` (`temp`, millidegrees
 * Celsius). A machine without thermal zones gives `[]`. A zone whose driver
 * has no reading yet (ENODATA, EAGAIN: a disabled or not yet probed sensor)
 * is left out rather than failing the others.
 *
 * @param options - root directory and board profile
 * @returns the zones, in zone-number order
 * @throws TinyEdgeError `E_PERMISSION` when a zone is unreadable, `E_NOT_FOUND` when a zone lacks its
 *   `temp` or `type` file, `E_SENSOR` when `temp` is not a number
 * @example
 * ```ts
 * for (const z of await readThermalZones()) console.log(z.type, z.celsius.toFixed(1), '°C');
 * ```
 */
export async function readThermalZones(options: ReadThermalZonesOptions = {}): Promise<ThermalZoneReading[]> {
  const root = resolveRoot(options.root);
  const base = '/sys/class/thermal';
  const zones = (await listEntries(root, base)).filter((name) => /^thermal_zone\d+$/.test(name));
  const readings: ThermalZoneReading[] = [];
  for (const zone of zones) {
    const type = (await readText(root, `${base}/${zone}/type`)).trim();
    let text: string;
    try {
      text = (await readText(root, `${base}/${zone}/temp`)).trim();
    } catch (err) {
      if (isTinyEdgeError(err, 'E_SENSOR')) continue; // ENODATA/EAGAIN: no reading from this zone right now
      throw err;
    }
    const milli = Number(text);
    if (text === '' || !Number.isFinite(milli)) {
      throw new TinyEdgeError('E_SENSOR', `${underRoot(root, `${base}/${zone}/temp`)}: expected millidegrees Celsius, found ${JSON.stringify(text.slice(0, 40))}.`,
        'The thermal driver reported something unexpected; check dmesg.');
    }
    const reading: ThermalZoneReading = { zone, type, celsius: milli / 1000 };
    const label = options.board?.thermalZones.find((z) => z.type === type)?.label;
    if (label !== undefined) reading.label = label;
    readings.push(reading);
  }
  return readings;
}
