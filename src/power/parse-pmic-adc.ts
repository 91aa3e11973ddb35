/** One PMIC rail with both its current and its voltage channel. */
export interface PmicRail {
  /** Rail name without the `_A`/`_V` suffix, e.g. `VDD_CORE`. */
  rail: string;
  /** Rail voltage, volts. */
  volts: number;
  /** Rail current, amps. */
  amps: number;
  /** volts x amps, watts. */
  watts: number;
}

/** `vcgencmd pmic_read_adc` output, rails paired by name. */
export interface PmicReading {
  /** Rails that have both a current and a voltage channel, in output order. */
  rails: PmicRail[];
  /** Sum of the rails' watts: power in the SoC-side rails, not wall power. */
  totalW: number;
  /** Channels with a voltage only (e.g. `EXT5V`, the USB-C input, and `BATT`, the RTC battery), volts by rail. */
  voltageOnly: Record<string, number>;
}

const LINE = /^\s*([A-Za-z0-9_]+)_([AV])\s+(current|volt)\(\d+\)=\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)[AV]\s*$/;

/**
 * Parse the Raspberry Pi 5's `vcgencmd pmic_read_adc` output (lines such as
 * `  VDD_CORE_A current(7)=6.22421000A` and `VDD_CORE_V volt(15)=0.86173300V`).
 * The channel indices of a rail's current and voltage differ, so rails are
 * paired by name. Lines that are not channels are ignored.
 *
 * @param text - the command's standard output
 * @returns the rails with both channels, their summed watts, and voltage-only channels
 * @example
 * ```ts
 * parsePmicAdc('VDD_CORE_A current(7)=2.0A\nVDD_CORE_V volt(15)=0.8V\n').totalW; // 1.6
 * ```
 */
export function parsePmicAdc(text: string): PmicReading {
  const amps = new Map<string, number>();
  const volts = new Map<string, number>();
  for (const line of text.split(/\r?\n/)) {
    const m = LINE.exec(line);
    if (m === null) continue;
    const [, rail, suffix, , value] = m as unknown as [string, string, 'A' | 'V', string, string];
    (suffix === 'A' ? amps : volts).set(rail, Number(value));
  }
  const rails: PmicRail[] = [];
  const voltageOnly: Record<string, number> = {};
  for (const [rail, v] of volts) {
    const a = amps.get(rail);
    if (a === undefined) voltageOnly[rail] = v;
    else rails.push({ rail, volts: v, amps: a, watts: v * a });
  }
  // Output order follows the current channels, which come first in vcgencmd's listing.
  const order = [...amps.keys()];
  rails.sort((x, y) => order.indexOf(x.rail) - order.indexOf(y.rail));
  return { rails, totalW: rails.reduce((sum, r) => sum + r.watts, 0), voltageOnly };
}
