import type { BoardProfile } from '../hal/board-profile.js';
import type { BoardSensors } from '../hal/board-sensors.js';
import { readThermalZones } from '../hal/thermal.js';
import type { CommandRunner } from './command-runner.js';
import type { UtilisationReader } from './estimate-power-source.js';
import { openPowerSource } from './open-power-source.js';
import type { PowerSourceCandidate, PowerSourceName } from './open-power-source.js';
import { PowerSampler } from './power-sampler.js';
import type { PowerSource } from './power-source.js';

/** Options of {@link openPowerSampler}. */
export interface PowerSamplerOptions {
  /** Which source: a {@link PowerSourceName} (default `auto`) or a {@link PowerSource} of your own. */
  source?: PowerSourceName | PowerSource;
  /** The board: narrows `auto`, drives `estimate`, names the SoC thermal zone. Default: detected when needed. */
  board?: BoardProfile;
  /** Filesystem root holding `sys/` and `proc/` (a fixture tree in tests). Default `/`. */
  root?: string;
  /** Samples per second, in (0, 1000]. Default 10. */
  hz?: number;
  /** How much history the ring buffer keeps, seconds. Default 600 (6000 samples at 10 Hz). */
  bufferSeconds?: number;
  /** A read taking longer than this counts as failed, ms. Default: the larger of 1000 and five intervals. */
  readTimeoutMs?: number;
  /** How to run `vcgencmd` (PMIC). Default: execFile. */
  runCommand?: CommandRunner;
  /** CPU utilisation for the estimate. Default: `sensors.createCpuUtilisation()`, else the HAL's `createCpuUtilisation({ root })`. */
  utilisation?: UtilisationReader;
  /**
   * The board's sensors (`createBoardSensors()`, or a simulated board from `tinyedge/testing`): where the
   * estimate's CPU utilisation and the thermal budgets' temperature come from. Default: the HAL readers on `root`.
   */
  sensors?: BoardSensors;
  /**
   * The SoC temperature, degrees C, or null when unknown: what thermal budgets compare against.
   * Default: the board's `soc` thermal zone (from `sensors`, else `readThermalZones({ root, board })`), else the hottest zone.
   */
  readTemperature?: () => Promise<number | null>;
}

/**
 * Open a power sampler: pick a source (`auto`: the best measured source
 * present, widest boundary first, else the estimate; see `openPowerSource`)
 * and read it `hz` times a second until `close()`. Which source was chosen
 * is in `sampler.source` (id, `measured` or `estimated`, label) and what
 * `auto` considered in `sampler.candidates`.
 *
 * @param options - see {@link PowerSamplerOptions}
 * @returns the running sampler; close it when done
 * @throws TypeError / RangeError for bad options
 * @throws TinyEdgeError from the source asked for: `E_NOT_FOUND` (not present), `E_PERMISSION`
 *   (with the fix in its hint, e.g. RAPL's root-only counters), `E_SENSOR`
 * @example
 * ```ts
 * const sampler = await openPowerSampler({ source: 'auto', hz: 10 });
 * console.log(`${sampler.source.id} (${sampler.source.kind}): ${sampler.source.label}`);
 * const meter = sampler.meter(model);
 * meter.on('report', (r) => console.log(`${r.joules.toFixed(2)} J, ${r.joulesPerToken?.toFixed(4)} J/token, badge ${r.badge}`));
 * ```
 */
export async function openPowerSampler(options: PowerSamplerOptions = {}): Promise<PowerSampler> {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const hz = options.hz ?? 10;
  if (typeof hz !== 'number' || !Number.isFinite(hz) || hz <= 0 || hz > 1000) throw new RangeError(`hz must be in (0, 1000], found ${String(hz)}`);
  const bufferSeconds = options.bufferSeconds ?? 600;
  if (typeof bufferSeconds !== 'number' || !(bufferSeconds > 0) || !Number.isFinite(bufferSeconds)) throw new RangeError(`bufferSeconds must be > 0, found ${String(bufferSeconds)}`);
  const readTimeoutMs = options.readTimeoutMs ?? Math.max(1000, 5000 / hz);
  if (typeof readTimeoutMs !== 'number' || !(readTimeoutMs > 0)) throw new RangeError(`readTimeoutMs must be > 0, found ${String(readTimeoutMs)}`);
  const root = options.root ?? '/';
  let source: PowerSource;
  let candidates: PowerSourceCandidate[] = [];
  if (typeof options.source === 'object' && options.source !== null) {
    source = checkSource(options.source);
  } else {
    ({ source, candidates } = await openPowerSource({
      root,
      ...(options.source === undefined ? {} : { source: options.source }),
      ...(options.board === undefined ? {} : { board: options.board }),
      ...(options.runCommand === undefined ? {} : { runCommand: options.runCommand }),
      ...(options.utilisation !== undefined ? { utilisation: options.utilisation }
        : options.sensors !== undefined ? { utilisation: options.sensors.createCpuUtilisation() } : {}),
    }));
  }
  const { board, sensors } = options;
  const readTemperature = options.readTemperature ?? (async (): Promise<number | null> => {
    const zones = sensors !== undefined ? await sensors.readThermalZones() : await readThermalZones(board === undefined ? { root } : { root, board });
    const soc = zones.find((z) => z.label === 'soc');
    if (soc !== undefined) return soc.celsius;
    return zones.length === 0 ? null : Math.max(...zones.map((z) => z.celsius));
  });
  return new PowerSampler(source, {
    hz, capacity: Math.max(2, Math.ceil(bufferSeconds * hz)), readTimeoutMs, readTemperature, candidates,
  });
}

function checkSource(source: PowerSource): PowerSource {
  for (const key of ['id', 'label'] as const) {
    if (typeof source[key] !== 'string' || source[key] === '') throw new TypeError(`a PowerSource needs a non-empty ${key}`);
  }
  if (source.kind !== 'measured' && source.kind !== 'estimated') throw new TypeError(`a PowerSource's kind must be 'measured' or 'estimated', found ${JSON.stringify(source.kind)}`);
  if (typeof source.read !== 'function' || typeof source.close !== 'function') throw new TypeError('a PowerSource needs read() and close()');
  return source;
}
