/**
 * A Raspberry Pi revision code (the `Revision` line of `/proc/cpuinfo`),
 * decoded. New-style codes (bit 23 set) carry the fields below; old-style
 * codes (the first Pi 1 boards) carry none of them.
 */
export interface PiRevision {
  /** The code as found, lower-case hex without `0x`, e.g. `d04170`. */
  code: string;
  /** True for a new-style code (bit 23). */
  newStyle: boolean;
  /** Board type (bits 4-11), e.g. `0x17` for the Pi 5. */
  type?: number;
  /** Name of the board type, e.g. `5`, `4B`, `Zero 2 W`, `CM4`. */
  typeName?: string;
  /** Memory fitted, MB (bits 20-22), absent for the reserved value 7. */
  memoryMB?: number;
  /** Manufacturer (bits 16-19), e.g. `Sony UK`. */
  manufacturer?: string;
  /** SoC (bits 12-15), e.g. `BCM2712`. */
  processor?: string;
  /** PCB revision as printed on the board, e.g. `1.5` (bits 0-3). */
  boardRevision?: string;
  /** Bit 25: the warranty bit (set once the board was overvolted). */
  warrantyVoid?: boolean;
}

const TYPES: Readonly<Record<number, string>> = {
  0x00: 'A', 0x01: 'B', 0x02: 'A+', 0x03: 'B+', 0x04: '2B', 0x05: 'Alpha', 0x06: 'CM1', 0x08: '3B', 0x09: 'Zero',
  0x0a: 'CM3', 0x0c: 'Zero W', 0x0d: '3B+', 0x0e: '3A+', 0x10: 'CM3+', 0x11: '4B', 0x12: 'Zero 2 W', 0x13: '400',
  0x14: 'CM4', 0x15: 'CM4S', 0x17: '5', 0x18: 'CM5', 0x19: '500', 0x1a: 'CM5 Lite', 0x1b: 'CM0',
};
const MEMORY_MB = [256, 512, 1024, 2048, 4096, 8192, 16384] as const;
const MANUFACTURERS = ['Sony UK', 'Egoman', 'Embest', 'Sony Japan', 'Embest', 'Stadium'] as const;
const PROCESSORS = ['BCM2835', 'BCM2836', 'BCM2837', 'BCM2711', 'BCM2712'] as const;

/**
 * Decodes a Raspberry Pi revision code. Decode the fields rather than
 * comparing whole codes: that is how the Raspberry Pi documentation says to
 * tell boards apart, and it keeps working for revisions made later.
 *
 * @param code - the hex code as `/proc/cpuinfo` prints it (`d04170`, optionally `0x`-prefixed)
 * @returns the decoded fields
 * @throws RangeError when `code` is not 1-8 hex digits
 * @example
 * ```ts
 * decodePiRevision('d04170'); // { type: 0x17, typeName: '5', memoryMB: 8192, processor: 'BCM2712', ... }
 * ```
 */
export function decodePiRevision(code: string): PiRevision {
  const hex = String(code).trim().toLowerCase().replace(/^0x/, '');
  if (!/^[0-9a-f]{1,8}$/.test(hex)) throw new RangeError(`a Raspberry Pi revision code is 1-8 hex digits, found ${JSON.stringify(code)}`);
  const value = Number.parseInt(hex, 16) >>> 0;
  const newStyle = ((value >>> 23) & 1) === 1;
  if (!newStyle) return { code: hex, newStyle };
  const type = (value >>> 4) & 0xff;
  const revision: PiRevision = { code: hex, newStyle, type, boardRevision: `1.${value & 0xf}`, warrantyVoid: ((value >>> 25) & 1) === 1 };
  const typeName = TYPES[type];
  if (typeName !== undefined) revision.typeName = typeName;
  const memoryMB = MEMORY_MB[(value >>> 20) & 7];
  if (memoryMB !== undefined) revision.memoryMB = memoryMB;
  const manufacturer = MANUFACTURERS[(value >>> 16) & 0xf];
  if (manufacturer !== undefined) revision.manufacturer = manufacturer;
  const processor = PROCESSORS[(value >>> 12) & 0xf];
  if (processor !== undefined) revision.processor = processor;
  return revision;
}
