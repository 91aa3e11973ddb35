import type { CommandRunner } from '../power/command-runner.js';
import type { BoardProfile } from './board-profile.js';
import { readCpuFrequencies } from './cpufreq.js';
import type { CpuFrequencyPolicy } from './cpufreq.js';
import { createCpuUtilisation } from './cpu-utilisation.js';
import type { CpuUtilisation } from './cpu-utilisation.js';
import { readLeds, setLed } from './leds.js';
import type { LedChange, LedState } from './leds.js';
import { readLoadAverage } from './load-average.js';
import type { LoadAverage } from './load-average.js';
import { readMemory } from './memory.js';
import type { MemoryInfo } from './memory.js';
import { resolveRoot } from './sysfs-read.js';
import { readThermalZones } from './thermal.js';
import type { ThermalZoneReading } from './thermal.js';
import { readThrottling } from './throttling.js';
import type { ThrottleState } from './throttling.js';

/**
 * Every sensor reading and LED of a board behind one interface. The real
 * implementation ({@link createBoardSensors}) reads a root directory; the
 * simulated board (`createSimulatedBoard` in `tinyedge/testing`) produces
 * scripted values with the same shapes, so code written against this
 * interface runs unchanged on both.
 */
export interface BoardSensors {
  /** Thermal zones, degrees Celsius; see `readThermalZones`. */
  readThermalZones(): Promise<ThermalZoneReading[]>;
  /** cpufreq policies, MHz; see `readCpuFrequencies`. */
  readCpuFrequencies(): Promise<CpuFrequencyPolicy[]>;
  /** Memory, MB; see `readMemory`. */
  readMemory(): Promise<MemoryInfo>;
  /** Load average; see `readLoadAverage`. */
  readLoadAverage(): Promise<LoadAverage>;
  /** Raspberry Pi throttling flags, or null where the board has none; see `readThrottling`. */
  readThrottling(): Promise<ThrottleState | null>;
  /** LEDs; see `readLeds`. */
  readLeds(): Promise<LedState[]>;
  /** Changes an LED; see `setLed`. */
  setLed(name: string, change: LedChange): Promise<void>;
  /** A new CPU utilisation tracker (each keeps its own baseline); see `createCpuUtilisation`. */
  createCpuUtilisation(): CpuUtilisation;
}

/** Options of {@link createBoardSensors}. */
export interface BoardSensorsOptions {
  /** Directory laid out like `/`. Default `/`. */
  root?: string;
  /** Board profile: labels thermal zones. */
  board?: BoardProfile;
  /** Runs `vcgencmd` for the throttling flags; see `readThrottling`. */
  runner?: CommandRunner;
}

/**
 * The real {@link BoardSensors}: the HAL readers bound to one root directory.
 *
 * @param options - root directory, board profile, command runner
 * @returns the sensors; each method throws what the reader it wraps throws
 * @example
 * ```ts
 * const board = await detectBoard();
 * const sensors = createBoardSensors({ board: board.profile });
 * console.log(await sensors.readThermalZones());
 * ```
 */
export function createBoardSensors(options: BoardSensorsOptions = {}): BoardSensors {
  const root = resolveRoot(options.root);
  const { board, runner } = options;
  return {
    readThermalZones: () => readThermalZones(board === undefined ? { root } : { root, board }),
    readCpuFrequencies: () => readCpuFrequencies({ root }),
    readMemory: () => readMemory({ root }),
    readLoadAverage: () => readLoadAverage({ root }),
    readThrottling: () => readThrottling(runner === undefined ? { root } : { root, runner }),
    readLeds: () => readLeds({ root }),
    setLed: (name, change) => setLed({ root, name, ...change }),
    createCpuUtilisation: () => createCpuUtilisation({ root }),
  };
}
