/**
 * Whether a power figure was measured by a sensor or estimated from a model
 * of the board. Every sample and report carries one, so an estimate is never
 * passed off as a measurement.
 */
export type PowerKind = 'measured' | 'estimated';

/**
 * What a source's watts include, from the widest boundary to the narrowest:
 *
 * - `board-input`: everything the board draws at its power input (a shunt
 *   monitor or USB meter in the supply line)
 * - `battery`: what the battery delivers (the board's draw only while discharging)
 * - `rails`: the sum of some supply rails on the board (Pi 5 PMIC): not wall power
 * - `package`: the CPU package only (x86 RAPL)
 * - `model`: an estimate from CPU utilisation and the board profile's idle and load watts
 */
export type PowerBoundary = 'board-input' | 'battery' | 'rails' | 'package' | 'model';

/** How a source names and describes itself. */
export interface PowerSourceDescriptor {
  /** Stable id of the source, e.g. `hwmon:ina219`, `rapl:package-0`, `pmic`, `battery:BAT0`, `serial:/dev/ttyUSB0`, `estimate`. */
  readonly id: string;
  /** `measured` by a sensor or `estimated` from a model. */
  readonly kind: PowerKind;
  /** One line for people, saying what is measured and where, e.g. `Pi 5 PMIC: SoC rails, not wall power`. */
  readonly label: string;
  /** What the watts include; see {@link PowerBoundary}. */
  readonly boundary: PowerBoundary;
}

/**
 * One reading from a {@link PowerSource}:
 *
 * - `power`: instantaneous watts at the time of the read (integrated by the trapezoid rule)
 * - `energy`: a cumulative energy counter in joules, monotonic, wraps and resets already
 *   handled by the source (power is the counter's slope, so energy is exact)
 * - `average`: the mean watts since the previous read (constant over the interval)
 */
export type PowerReading =
  | {
    /** Instantaneous power. */
    readonly type: 'power';
    /** Watts at the time of the read. */
    readonly watts: number;
  }
  | {
    /** A cumulative energy counter. */
    readonly type: 'energy';
    /** Joules counted since the source opened (monotonic). */
    readonly joules: number;
  }
  | {
    /** The mean since the previous read. */
    readonly type: 'average';
    /** Mean watts since the previous read. */
    readonly watts: number;
  };

/**
 * A source of power readings: a sensor behind a root directory, a command or
 * a serial port, or an estimate. `openPowerSampler` reads one at a steady
 * rate; implement this interface to plug in a meter tinyedge does not know.
 *
 * @example
 * ```ts
 * const source: PowerSource = {
 *   id: 'custom:bench-psu', kind: 'measured', label: 'bench supply readout', boundary: 'board-input',
 *   read: async () => ({ type: 'power', watts: await readMyPsu() }),
 *   close: async () => undefined,
 * };
 * const sampler = await openPowerSampler({ source });
 * ```
 */
export interface PowerSource extends PowerSourceDescriptor {
  /**
   * Take one reading.
   *
   * @throws TinyEdgeError (`E_SENSOR`, `E_PERMISSION`, `E_NOT_FOUND`, ...) when the sensor cannot be read
   *   right now; the sampler counts the error and tries again at the next tick
   */
  read(): Promise<PowerReading>;
  /** Release the sensor (close files, ports, child processes). Closing twice is harmless. */
  close(): Promise<void>;
}
