/** The serial power meters tinyedge reads. `text` is tinyedge's line protocol (see {@link parseMeterLine}). */
export type SerialMeterProtocol = 'text' | 'um24c' | 'um25c' | 'um34c';

const SCALE: Record<string, { quantity: 'power' | 'voltage' | 'current'; factor: number }> = {
  W: { quantity: 'power', factor: 1 },
  mW: { quantity: 'power', factor: 1e-3 },
  uW: { quantity: 'power', factor: 1e-6 },
  V: { quantity: 'voltage', factor: 1 },
  mV: { quantity: 'voltage', factor: 1e-3 },
  A: { quantity: 'current', factor: 1 },
  mA: { quantity: 'current', factor: 1e-3 },
  uA: { quantity: 'current', factor: 1e-6 },
};

const NUMBER = '[-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?';
const FIELD = new RegExp(`^([A-Za-z]+)=(${NUMBER})$`);
/** `Power: 2496.0 mW`, `Bus Power: 2.5 W` (Adafruit INA219 `getcurrent` style). */
const LABELLED_POWER = new RegExp(`^[A-Za-z ]*power\\s*:\\s*(${NUMBER})\\s*(W|mW|uW|µW)\\s*$`, 'i');

/**
 * Parse one line of tinyedge's serial power-meter line protocol, made for
 * an INA219 (or similar) on a microcontroller printing over USB serial:
 *
 * - one reading per line, ASCII, ended by `\n` (a `\r` before it is ignored)
 * - fields `key=value` separated by spaces, commas or semicolons; keys are units:
 *   `W`, `mW`, `uW` (power), `V`, `mV` (bus voltage), `A`, `mA`, `uA` (current);
 *   other keys (`t=`, `seq=`, ...) are ignored
 * - power when a power field is present, else voltage x current
 * - the Adafruit INA219 example's `Power: <n> mW` lines are accepted as they are
 * - anything else (banners, headers, `#` comments, `Bus Voltage:` lines) is not a reading
 *
 * @param line - one line, with or without its line ending
 * @returns watts (magnitude), or null when the line is not a reading
 * @example
 * ```ts
 * parseMeterLine('mV=5012 mA=498'); // 2.495976
 * parseMeterLine('W=2.51');          // 2.51
 * parseMeterLine('Power:  2496.00 mW'); // 2.496
 * ```
 */
export function parseMeterLine(line: string): number | null {
  const text = line.trim();
  if (text === '' || text.startsWith('#')) return null;
  const labelled = LABELLED_POWER.exec(text);
  if (labelled !== null) {
    const unit = labelled[2] === 'µW' ? 'uW' : labelled[2]!;
    return Math.abs(Number(labelled[1]) * (SCALE[unit] ?? SCALE['W']!).factor);
  }
  let power: number | null = null;
  let voltage: number | null = null;
  let current: number | null = null;
  for (const token of text.split(/[\s,;]+/)) {
    const m = FIELD.exec(token);
    if (m === null) continue;
    const unit = SCALE[m[1]!];
    if (unit === undefined) continue;
    const value = Number(m[2]) * unit.factor;
    if (unit.quantity === 'power') power = value;
    else if (unit.quantity === 'voltage') voltage = value;
    else current = value;
  }
  if (power !== null) return Math.abs(power);
  if (voltage !== null && current !== null) return Math.abs(voltage * current);
  return null;
}

/** Length of the RDTech UM24C/UM25C/UM34C answer to the `0xF0` request, bytes. */
export const UM_FRAME_BYTES = 130;

/** The byte that asks an RDTech UM meter for one frame. */
export const UM_REQUEST = 0xf0;

/** The fields tinyedge uses from an RDTech UM frame. */
export interface UmReading {
  /** Bus voltage, volts. */
  volts: number;
  /** Current, amps. */
  amps: number;
  /** Power as the meter computed it, watts. */
  watts: number;
  /** Meter temperature, degrees C. */
  celsius: number;
}

/**
 * Decode the 130-byte, big-endian frame an RDTech UM24C, UM25C or UM34C
 * returns for the `0xF0` request: voltage at bytes 2-3 (0.01 V, UM25C
 * 0.001 V), current at 4-5 (1 mA, UM25C 0.1 mA), power at 6-9 (1 mW),
 * temperature at 10-11 (degrees C).
 *
 * @param frame - exactly {@link UM_FRAME_BYTES} bytes
 * @param model - which meter sent it (the UM25C has finer voltage and current steps)
 * @returns the decoded fields
 * @throws RangeError when the frame is not 130 bytes long
 * @example
 * ```ts
 * const { watts } = parseUmFrame(frame, 'um25c');
 * ```
 */
export function parseUmFrame(frame: Uint8Array, model: 'um24c' | 'um25c' | 'um34c'): UmReading {
  if (frame.length !== UM_FRAME_BYTES) throw new RangeError(`a UM frame has ${UM_FRAME_BYTES} bytes, found ${frame.length}`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const fine = model === 'um25c' ? 10 : 1;
  return {
    volts: view.getUint16(2) / (100 * fine),
    amps: view.getUint16(4) / (1000 * fine),
    watts: view.getUint32(6) / 1000,
    celsius: view.getUint16(10),
  };
}
