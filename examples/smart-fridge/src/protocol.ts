/**
 * The fridge controller protocol: small binary frames over a serial line.
 *
 * ```
 * 0x7E | len | type | seq | payload (len - 2 bytes) | crc16 (big endian)
 * ```
 *
 * `len` counts type, seq and payload (2..66). The CRC is CRC-16/CCITT-FALSE
 * (poly 0x1021, init 0xFFFF) over len, type, seq and payload. A frame whose
 * CRC does not match is dropped and the decoder resynchronises on the next
 * 0x7E, so line noise costs one frame, never the stream. The full protocol is
 * documented in this example's README.
 */

/** Start-of-frame byte. */
export const FRAME_START = 0x7e;
/** Largest payload a frame carries. */
export const MAX_PAYLOAD = 64;

/** Message types. Requests go app -> controller; replies and reports come back. */
export const MessageType = {
  setTemperature: 0x01,
  setMode: 0x02,
  getTemperature: 0x03,
  ping: 0x04,
  ack: 0x80,
  nack: 0x81,
  temperatureReport: 0x82,
} as const;
/** One of {@link MessageType}'s values. */
export type MessageTypeCode = (typeof MessageType)[keyof typeof MessageType];

/** Zones in wire order. */
export const ZONES = ['fridge', 'freezer'] as const;
/** A cooling zone. */
export type Zone = (typeof ZONES)[number];
/** Modes in wire order. */
export const MODES = ['normal', 'eco', 'holiday', 'party', 'sabbath'] as const;
/** A fridge mode. */
export type Mode = (typeof MODES)[number];

/** Why the controller refused a request (the NACK payload's first byte). */
export const NackReason = { badRequest: 1, outOfRange: 2, busy: 3 } as const;

/** A decoded frame. */
export interface Frame {
  type: number;
  seq: number;
  payload: Uint8Array;
}

/** CRC-16/CCITT-FALSE. */
export function crc16(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) {
    crc ^= bytes[i]! << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** Encodes one frame. */
export function encodeFrame(frame: Frame): Uint8Array {
  if (frame.payload.length > MAX_PAYLOAD) throw new RangeError(`payload of ${frame.payload.length} bytes exceeds ${MAX_PAYLOAD}`);
  const len = frame.payload.length + 2;
  const out = new Uint8Array(len + 4);
  out[0] = FRAME_START;
  out[1] = len;
  out[2] = frame.type & 0xff;
  out[3] = frame.seq & 0xff;
  out.set(frame.payload, 4);
  const crc = crc16(out, 1, len + 2);
  out[len + 2] = crc >> 8;
  out[len + 3] = crc & 0xff;
  return out;
}

/**
 * Turns a byte stream into frames. Feed it whatever the serial port delivers
 * (frames split or merged arbitrarily); it returns the complete, valid frames
 * and counts the bytes it had to throw away.
 */
export class FrameDecoder {
  #buffer = new Uint8Array(0);
  /** Frames dropped for a bad CRC or an impossible length. */
  corruptFrames = 0;

  /** Adds bytes and returns every complete valid frame now available. */
  push(chunk: Uint8Array): Frame[] {
    const merged = new Uint8Array(this.#buffer.length + chunk.length);
    merged.set(this.#buffer);
    merged.set(chunk, this.#buffer.length);
    const frames: Frame[] = [];
    let at = 0;
    while (at < merged.length) {
      if (merged[at] !== FRAME_START) {
        at++;
        continue;
      }
      if (at + 1 >= merged.length) break;
      const len = merged[at + 1]!;
      if (len < 2 || len > MAX_PAYLOAD + 2) {
        this.corruptFrames++;
        at++;
        continue;
      }
      const end = at + len + 4;
      if (end > merged.length) break;
      const crc = (merged[end - 2]! << 8) | merged[end - 1]!;
      if (crc !== crc16(merged, at + 1, end - 2)) {
        this.corruptFrames++;
        at++; // resynchronise on the next start byte
        continue;
      }
      frames.push({ type: merged[at + 2]!, seq: merged[at + 3]!, payload: merged.slice(at + 4, end - 2) });
      at = end;
    }
    this.#buffer = merged.slice(at);
    return frames;
  }
}

/** Celsius to the wire's signed tenths of a degree. */
export function encodeTenths(celsius: number): Uint8Array {
  const tenths = Math.round(celsius * 10);
  if (tenths < -32768 || tenths > 32767) throw new RangeError(`${celsius} °C does not fit the wire format`);
  const out = new Uint8Array(2);
  new DataView(out.buffer).setInt16(0, tenths);
  return out;
}

/** The wire's signed tenths of a degree to celsius. */
export function decodeTenths(bytes: Uint8Array, offset = 0): number {
  if (bytes.length < offset + 2) throw new RangeError('temperature field truncated');
  return new DataView(bytes.buffer, bytes.byteOffset + offset, 2).getInt16(0) / 10;
}
