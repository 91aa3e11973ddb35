// The on-disk framing of the durable queue's segment files. Every record is
//
//   u32 LE  body length
//   u32 LE  CRC-32 of the body
//   body:   u8 type, then
//           type 1 (data): f64 LE seq, u8 kind, payload bytes
//           type 2 (ack):  u32 LE n, then n ranges of (f64 LE first seq, f64 LE last seq)
//
// A reader stops at the first frame that does not fit in the file or whose
// CRC does not match: that is a torn (or corrupt) tail, and the file is cut
// back to the last good frame.
import { crc32 as zlibCrc32 } from 'node:zlib';

/** Bytes before a data record's payload: header (8), type (1), seq (8), kind (1). */
export const DATA_OVERHEAD = 18;
const HEADER = 8;
const TYPE_DATA = 1;
const TYPE_ACK = 2;
/** No sane record is larger: a length above this is corruption, not a record. */
const MAX_BODY = 64 * 1024 * 1024;

/** CRC-32 (IEEE), from zlib when this Node has it (20.15+), else a table. */
export const crc32: (data: Uint8Array) => number = typeof zlibCrc32 === 'function' ? (d) => zlibCrc32(d) : tableCrc32;

let table: Uint32Array | undefined;
function tableCrc32(data: Uint8Array): number {
  if (table === undefined) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of data) crc = table[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** A data frame: seq, kind index and payload. */
export function encodeData(seq: number, kind: number, payload: Uint8Array): Buffer {
  // Not from Buffer's shared pool: the queue may keep this frame in its cache, and a pooled
  // slice would keep the whole 8 KiB slab it was cut from alive with it.
  const frame = Buffer.allocUnsafeSlow(DATA_OVERHEAD + payload.length);
  frame.writeUInt32LE(frame.length - HEADER, 0);
  frame[HEADER] = TYPE_DATA;
  frame.writeDoubleLE(seq, HEADER + 1);
  frame[HEADER + 9] = kind;
  frame.set(payload, DATA_OVERHEAD);
  frame.writeUInt32LE(crc32(frame.subarray(HEADER)), 4);
  return frame;
}

/** An ack frame for the given sequence numbers (any order), written as ranges. */
export function encodeAcks(seqs: readonly number[]): Buffer {
  const sorted = [...seqs].sort((a, b) => a - b);
  const ranges: Array<[number, number]> = [];
  for (const s of sorted) {
    const last = ranges[ranges.length - 1];
    if (last !== undefined && s <= last[1] + 1) last[1] = Math.max(last[1], s);
    else ranges.push([s, s]);
  }
  const frame = Buffer.allocUnsafe(HEADER + 5 + ranges.length * 16);
  frame.writeUInt32LE(frame.length - HEADER, 0);
  frame[HEADER] = TYPE_ACK;
  frame.writeUInt32LE(ranges.length, HEADER + 1);
  ranges.forEach(([a, b], i) => {
    frame.writeDoubleLE(a, HEADER + 5 + i * 16);
    frame.writeDoubleLE(b, HEADER + 13 + i * 16);
  });
  frame.writeUInt32LE(crc32(frame.subarray(HEADER)), 4);
  return frame;
}

/** A data record found by {@link parseFrames}. */
export interface DataRecord {
  /** Sequence number. */
  seq: number;
  /** Kind index. */
  kind: number;
  /** Offset of the frame in the file. */
  offset: number;
  /** Frame length, header included. */
  size: number;
}

/** What a segment file holds. */
export interface ParsedSegment {
  /** Data records, in file order. */
  data: DataRecord[];
  /** Acknowledged ranges, inclusive. */
  acks: Array<[number, number]>;
  /** Bytes of good frames; anything after is a torn or corrupt tail. */
  goodBytes: number;
}

/** Reads every good frame of a segment file's bytes, stopping at the first bad one. */
export function parseFrames(bytes: Uint8Array): ParsedSegment {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const data: DataRecord[] = [];
  const acks: Array<[number, number]> = [];
  let offset = 0;
  while (offset + HEADER <= buf.length) {
    const len = buf.readUInt32LE(offset);
    if (len < 1 || len > MAX_BODY || offset + HEADER + len > buf.length) break;
    const body = buf.subarray(offset + HEADER, offset + HEADER + len);
    if (crc32(body) !== buf.readUInt32LE(offset + 4)) break;
    const type = body[0];
    if (type === TYPE_DATA && len >= 10) {
      data.push({ seq: body.readDoubleLE(1), kind: body[9]!, offset, size: HEADER + len });
    } else if (type === TYPE_ACK && len >= 5 && len === 5 + body.readUInt32LE(1) * 16) {
      const n = body.readUInt32LE(1);
      for (let i = 0; i < n; i++) acks.push([body.readDoubleLE(5 + i * 16), body.readDoubleLE(13 + i * 16)]);
    } else {
      break;
    }
    offset += HEADER + len;
  }
  return { data, acks, goodBytes: offset };
}
