import { ByteBuffer } from 'flatbuffers';
import { TinyEdgeError } from '../errors.js';

/** A table located and validated by `FlatbufferReader.table`. */
export interface FlatTable {
  /** Absolute byte offset of the table in the file. */
  readonly pos: number;
  /** Absolute byte offset of its vtable. */
  readonly vtable: number;
  /** Size of the vtable in bytes (4 + 2 bytes per field slot it describes). */
  readonly vtableSize: number;
  /** What the table is, for error messages, e.g. `SubGraph 0`. */
  readonly what: string;
}

/** The location of a vector: its first element and its element count. */
export interface FlatVector {
  /** Absolute byte offset of element 0. */
  readonly start: number;
  /** Number of elements. */
  readonly length: number;
}

const textDecoder = new TextDecoder('utf-8', { fatal: false });

/**
 * Reads a flatbuffer whose every offset and length may be wrong. Each access
 * is bounds-checked before `flatbuffers`' `ByteBuffer` (which checks nothing)
 * reads the bytes, and a work budget proportional to the file size stops files
 * whose offsets make many tables share one huge vector, so neither time nor
 * memory can grow faster than the input. Every failure is a
 * `TinyEdgeError('E_MODEL_FORMAT')` naming what was expected and where.
 *
 * Internal to the TFLite reader.
 *
 * @example
 * ```ts
 * const r = new FlatbufferReader(bytes, 'Re-export the model.');
 * const model = r.table(r.u32(0, 'root offset'), 'Model');
 * const version = r.scalar(model, 0, 'u32', 0);
 * ```
 */
export class FlatbufferReader {
  /** File size in bytes. */
  readonly size: number;
  private readonly bb: ByteBuffer;
  private readonly hint: string;
  private work = 0;
  private readonly workLimit: number;

  /**
   * @param bytes - the whole file
   * @param hint - the hint attached to every error
   */
  constructor(bytes: Uint8Array, hint: string) {
    this.bb = new ByteBuffer(bytes);
    this.size = bytes.length;
    this.hint = hint;
    // A well-formed file reads each element about once; shared strings and
    // vtables cost little, so 8 units per byte leaves plenty of room.
    this.workLimit = 8 * bytes.length + 65_536;
  }

  /** Throws the E_MODEL_FORMAT error for `what` expected at byte `offset`. */
  fail(what: string, offset: number, found: string): never {
    throw new TinyEdgeError(
      'E_MODEL_FORMAT',
      `Corrupt TFLite file: expected ${what} at byte offset ${offset}, but ${found}.`,
      this.hint,
    );
  }

  /** Checks that `length` bytes at `offset` lie inside the file. */
  check(offset: number, length: number, what: string): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || length < 0 || offset + length > this.size) {
      this.fail(what, offset, `${length} byte(s) there would run past the end of the ${this.size}-byte file`);
    }
  }

  /** Charges `units` of reading work against the budget. */
  spend(units: number, what: string, offset: number): void {
    this.work += units;
    if (this.work > this.workLimit) {
      this.fail(what, offset, `the file's offsets make it read more than ${this.workLimit} values from ${this.size} bytes (shared or overlapping data)`);
    }
  }

  /** Unsigned byte at `offset`. */
  u8(offset: number, what: string): number {
    this.check(offset, 1, what);
    return this.bb.readUint8(offset);
  }

  /** Signed 32-bit integer at `offset`. */
  i32(offset: number, what: string): number {
    this.check(offset, 4, what);
    return this.bb.readInt32(offset);
  }

  /** Unsigned 32-bit integer at `offset`. */
  u32(offset: number, what: string): number {
    this.check(offset, 4, what);
    return this.bb.readUint32(offset);
  }

  /** Unsigned 64-bit integer at `offset` as a number; fails above 2^53 - 1. */
  u64(offset: number, what: string): number {
    this.check(offset, 8, what);
    const value = this.bb.readUint64(offset);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(what, offset, `found ${value}, larger than any file`);
    return Number(value);
  }

  /**
   * Locates the table at `pos` and validates its vtable. As flatbuffers' own
   * verifier (which the TFLite runtime uses) does, the table's declared inline
   * size is not trusted or required: each field is checked against the file
   * when read, so files the runtime accepts are not refused here.
   */
  table(pos: number, what: string): FlatTable {
    this.spend(1, what, pos);
    const vtable = pos - this.i32(pos, `${what} (table)`);
    this.check(vtable, 2, `the vtable of ${what}`);
    const vtableSize = this.bb.readUint16(vtable);
    if (vtableSize % 2 !== 0) this.fail(`the vtable of ${what}`, vtable, `its size is ${vtableSize}, an odd number`);
    this.check(vtable, vtableSize, `the vtable of ${what} (${vtableSize} bytes)`);
    return { pos, vtable, vtableSize, what };
  }

  /** Absolute offset of field `slot` of `t` holding `size` bytes, or 0 when the field is absent. */
  field(t: FlatTable, slot: number, size: number): number {
    const entry = 4 + 2 * slot;
    if (entry + 2 > t.vtableSize) return 0;
    const rel = this.bb.readUint16(t.vtable + entry);
    if (rel === 0) return 0;
    this.check(t.pos + rel, size, `field ${slot} of ${t.what} (${size} bytes)`);
    return t.pos + rel;
  }

  /** A scalar field, or `fallback` when absent. */
  scalar(t: FlatTable, slot: number, kind: 'u8' | 'i8' | 'i32' | 'u32' | 'u64', fallback: number): number {
    const size = kind === 'u8' || kind === 'i8' ? 1 : kind === 'u64' ? 8 : 4;
    const at = this.field(t, slot, size);
    if (at === 0) return fallback;
    const what = `field ${slot} of ${t.what}`;
    switch (kind) {
      case 'u8': return this.u8(at, what);
      case 'i8': return (this.u8(at, what) << 24) >> 24;
      case 'i32': return this.i32(at, what);
      case 'u32': return this.u32(at, what);
      case 'u64': return this.u64(at, what);
    }
  }

  /** Absolute offset of the object that offset field `slot` of `t` points at, or null when absent. */
  ref(t: FlatTable, slot: number, what: string): number | null {
    const at = this.field(t, slot, 4);
    if (at === 0) return null;
    return this.follow(at, what);
  }

  /** Follows the forward offset stored at `at`. */
  follow(at: number, what: string): number {
    const target = at + this.u32(at, `an offset to ${what}`);
    this.check(target, 4, what);
    return target;
  }

  /** The vector at `pos` whose elements are `elemSize` bytes each. */
  vectorAt(pos: number, elemSize: number, what: string): FlatVector {
    const length = this.u32(pos, `the length of ${what}`);
    this.check(pos + 4, length * elemSize, `${what} (${length} elements of ${elemSize} bytes)`);
    return { start: pos + 4, length };
  }

  /** The vector field `slot` of `t`, or null when absent. */
  vector(t: FlatTable, slot: number, elemSize: number, what: string): FlatVector | null {
    const pos = this.ref(t, slot, what);
    return pos === null ? null : this.vectorAt(pos, elemSize, what);
  }

  /** A `[int]` field as numbers (empty when absent). */
  int32s(t: FlatTable, slot: number, what: string): number[] {
    const v = this.vector(t, slot, 4, what);
    if (v === null) return [];
    this.spend(v.length, what, v.start);
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.bb.readInt32(v.start + 4 * i);
    return out;
  }

  /** A `[float]` field as numbers (empty when absent). */
  float32s(t: FlatTable, slot: number, what: string): number[] {
    const v = this.vector(t, slot, 4, what);
    if (v === null) return [];
    this.spend(v.length, what, v.start);
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.bb.readFloat32(v.start + 4 * i);
    return out;
  }

  /** A `[long]` field as numbers (empty when absent); values beyond 2^53 lose precision. */
  int64s(t: FlatTable, slot: number, what: string): number[] {
    const v = this.vector(t, slot, 8, what);
    if (v === null) return [];
    this.spend(v.length, what, v.start);
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = Number(this.bb.readInt64(v.start + 8 * i));
    return out;
  }

  /** A string field decoded as UTF-8 (invalid sequences become U+FFFD), or `''` when absent. */
  string(t: FlatTable, slot: number, what: string): string {
    const v = this.vector(t, slot, 1, what);
    if (v === null) return '';
    this.spend(1 + (v.length >>> 4), what, v.start);
    return textDecoder.decode(this.bb.bytes().subarray(v.start, v.start + v.length));
  }

  /** A vector of tables, each passed to `read` with its index. */
  tables<T>(t: FlatTable, slot: number, what: string, read: (table: FlatTable, index: number) => T): T[] {
    const v = this.vector(t, slot, 4, `the ${what} vector`);
    if (v === null) return [];
    const out: T[] = [];
    for (let i = 0; i < v.length; i++) {
      const name = `${what} ${i}`;
      out.push(read(this.table(this.follow(v.start + 4 * i, name), name), i));
    }
    return out;
  }
}
