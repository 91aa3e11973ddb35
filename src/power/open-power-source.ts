import type { BoardProfile } from '../hal/board-profile.js';
import { createCpuUtilisation } from '../hal/cpu-utilisation.js';
import { detectBoard } from '../hal/detect.js';
import { TinyEdgeError } from '../errors.js';
import { findBatteries, openBatteryPowerSource } from './battery-power-source.js';
import type { CommandRunner } from './command-runner.js';
import { openEstimatePowerSource } from './estimate-power-source.js';
import type { UtilisationReader } from './estimate-power-source.js';
import { openHwmonPowerSource } from './hwmon-power-source.js';
import { openPmicPowerSource } from './pmic-power-source.js';
import type { PowerSource } from './power-source.js';
import { openRaplPowerSource } from './rapl-power-source.js';
import type { SerialMeterProtocol } from './serial-meter-protocol.js';
import { openSerialMeterSource } from './serial-meter-source.js';

/**
 * Which power source to use: `auto` (the best measured source present, else
 * the estimate), a kind (`hwmon`, `rapl`, `pmic`, `battery`, `estimate`),
 * `hwmon:<chip>` / `battery:<name>` for one chip or battery, or
 * `serial:<path>[,protocol=text|um24c|um25c|um34c][,baud=N]` for a serial meter.
 */
export type PowerSourceName =
  | 'auto' | 'hwmon' | 'rapl' | 'pmic' | 'battery' | 'estimate'
  | `hwmon:${string}` | `battery:${string}` | `serial:${string}`;

/** Options of {@link openPowerSource}. */
export interface OpenPowerSourceOptions {
  /** Which source; see {@link PowerSourceName}. Default `auto`. */
  source?: PowerSourceName;
  /** The board: its profile's sensors narrow `auto`, its idle/load watts drive `estimate`. Default: `detectBoard({ root })` when the estimate is needed. */
  board?: BoardProfile;
  /** Filesystem root holding `sys/` and `proc/`. Default `/`. */
  root?: string;
  /** How to run `vcgencmd` for the PMIC source. Default: execFile. */
  runCommand?: CommandRunner;
  /** CPU utilisation for the estimate. Default: the HAL's `createCpuUtilisation({ root })`. */
  utilisation?: UtilisationReader;
}

/** One measured source `auto` considered, and what happened. */
export interface PowerSourceCandidate {
  /** The source kind tried. */
  name: 'hwmon' | 'battery' | 'pmic' | 'rapl';
  /** True when it could be opened (and, for a battery, is discharging). */
  available: boolean;
  /** The opened source's id, or why not, e.g. `E_PERMISSION: ...`. */
  detail: string;
}

/** What {@link openPowerSource} opened. */
export interface OpenedPowerSource {
  /** The open source; close it when done. */
  source: PowerSource;
  /** For `auto`: the measured sources considered, in order, and why each was or was not used; else empty. */
  candidates: PowerSourceCandidate[];
}

/** Measured sources in the order `auto` prefers them: the widest boundary first (board input, battery, SoC rails, CPU package). */
const AUTO_ORDER = ['hwmon', 'battery', 'pmic', 'rapl'] as const;

/**
 * Open a power source by name. `auto` tries the measured sources the board
 * can have (all of them without a board), widest boundary first: a hwmon
 * shunt monitor, a discharging battery, the Pi 5 PMIC, x86 RAPL; the first
 * that opens wins, and with none the estimate is used. Serial meters are
 * never probed: name them.
 *
 * @param options - see {@link OpenPowerSourceOptions}
 * @returns the source and, for `auto`, the candidates considered
 * @throws TypeError / RangeError for a malformed source name
 * @throws TinyEdgeError from the source asked for (`E_NOT_FOUND`, `E_PERMISSION`, ...)
 * @example
 * ```ts
 * const { source, candidates } = await openPowerSource({ source: 'auto', board });
 * console.log(source.id, source.kind, candidates);
 * ```
 */
export async function openPowerSource(options: OpenPowerSourceOptions = {}): Promise<OpenedPowerSource> {
  const name = options.source ?? 'auto';
  if (typeof name !== 'string') throw new TypeError('source must be a source name or a PowerSource');
  const root = options.root ?? '/';
  if (name === 'auto') {
    const candidates: PowerSourceCandidate[] = [];
    const allowed = options.board === undefined ? null : new Set(options.board.power.sensors.map((s) => s.kind));
    for (const kind of AUTO_ORDER) {
      if (allowed !== null && !allowed.has(kind)) continue;
      try {
        if (kind === 'battery') {
          const discharging = (await findBatteries({ root })).find((b) => b.status === 'Discharging');
          if (discharging === undefined) {
            candidates.push({ name: kind, available: false, detail: 'no discharging battery (on mains a battery shows charging power, not the board\'s)' });
            continue;
          }
          const source = await openBatteryPowerSource({ root, name: discharging.name });
          candidates.push({ name: kind, available: true, detail: source.id });
          return { source, candidates };
        }
        const source = await openKind(kind, options);
        candidates.push({ name: kind, available: true, detail: source.id });
        return { source, candidates };
      } catch (err) {
        if (!(err instanceof TinyEdgeError)) throw err;
        candidates.push({ name: kind, available: false, detail: `${err.code}: ${err.message}` });
      }
    }
    return { source: await openEstimate(options), candidates };
  }
  if (name === 'estimate') return { source: await openEstimate(options), candidates: [] };
  if (name === 'hwmon' || name === 'rapl' || name === 'pmic' || name === 'battery') return { source: await openKind(name, options), candidates: [] };
  if (name.startsWith('hwmon:')) return { source: await openHwmonPowerSource({ root, chips: [name.slice(6)] }), candidates: [] };
  if (name.startsWith('battery:')) return { source: await openBatteryPowerSource({ root, name: name.slice(8) }), candidates: [] };
  if (name.startsWith('serial:')) return { source: await openSerialMeterSource(parseSerialSpec(name)), candidates: [] };
  throw new RangeError(`unknown power source ${JSON.stringify(name)}: expected auto, hwmon, rapl, pmic, battery, serial:<path> or estimate`);
}

async function openKind(kind: 'hwmon' | 'rapl' | 'pmic' | 'battery', options: OpenPowerSourceOptions): Promise<PowerSource> {
  const root = options.root ?? '/';
  switch (kind) {
    case 'hwmon': {
      const chips = options.board?.power.sensors.flatMap((s) => (s.kind === 'hwmon' ? s.chips : []));
      return openHwmonPowerSource({ root, ...(chips === undefined || chips.length === 0 ? {} : { chips }) });
    }
    case 'rapl':
      return openRaplPowerSource({ root });
    case 'pmic':
      return openPmicPowerSource(options.runCommand === undefined ? {} : { runCommand: options.runCommand });
    case 'battery':
      return openBatteryPowerSource({ root });
  }
}

async function openEstimate(options: OpenPowerSourceOptions): Promise<PowerSource> {
  const board = options.board ?? (await detectBoard({ root: options.root ?? '/' })).profile;
  const utilisation = options.utilisation ?? createCpuUtilisation({ root: options.root ?? '/' });
  return openEstimatePowerSource({ board, utilisation });
}

/** `serial:<path>[,protocol=...][,baud=N]` to serial meter options. */
function parseSerialSpec(spec: string): { path: string; protocol?: SerialMeterProtocol; baudRate?: number } {
  const [path = '', ...params] = spec.slice('serial:'.length).split(',');
  if (path === '') throw new RangeError(`serial source needs a device path: serial:/dev/ttyUSB0, found ${JSON.stringify(spec)}`);
  const out: { path: string; protocol?: SerialMeterProtocol; baudRate?: number } = { path };
  for (const param of params) {
    const [key, value = ''] = param.split('=');
    if (key === 'protocol') {
      if (!['text', 'um24c', 'um25c', 'um34c'].includes(value)) throw new RangeError(`serial protocol must be text, um24c, um25c or um34c, found ${JSON.stringify(value)}`);
      out.protocol = value as SerialMeterProtocol;
    } else if (key === 'baud') {
      const baud = Number(value);
      if (!Number.isInteger(baud) || baud <= 0) throw new RangeError(`serial baud must be a positive integer, found ${JSON.stringify(value)}`);
      out.baudRate = baud;
    } else {
      throw new RangeError(`unknown serial source option ${JSON.stringify(key)} (expected protocol= or baud=)`);
    }
  }
  return out;
}
