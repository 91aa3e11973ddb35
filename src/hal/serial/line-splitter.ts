/**
 * Splits a byte stream into lines. Bytes are kept until a delimiter arrives,
 * so a multi-byte character split across two chunks decodes whole. A line
 * that grows past `maxLineBytes` without a delimiter is dropped (the device
 * talks at another baud rate, or sends no delimiter) and reported.
 */
export class LineSplitter {
  readonly #delimiter: Buffer;
  readonly #encoding: BufferEncoding;
  readonly #maxLineBytes: number;
  readonly #stripCr: boolean;
  #pending: Buffer = Buffer.alloc(0);

  /**
   * @param delimiter - ends a line, e.g. `\n`; with `\n` a trailing `\r` is stripped too
   * @param encoding - how lines are decoded
   * @param maxLineBytes - longest line kept, in bytes
   */
  constructor(delimiter: string, encoding: BufferEncoding, maxLineBytes: number) {
    this.#delimiter = Buffer.from(delimiter, encoding);
    this.#encoding = encoding;
    this.#maxLineBytes = maxLineBytes;
    this.#stripCr = delimiter === '\n';
  }

  /**
   * Feed a chunk; returns the complete lines in it and whether a too-long
   * line was dropped.
   */
  push(chunk: Buffer): { lines: string[]; overflowed: boolean } {
    let data = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const lines: string[] = [];
    let at = data.indexOf(this.#delimiter);
    while (at >= 0) {
      let end = at;
      if (this.#stripCr && end > 0 && data[end - 1] === 0x0d) end--;
      lines.push(data.subarray(0, end).toString(this.#encoding));
      data = data.subarray(at + this.#delimiter.length);
      at = data.indexOf(this.#delimiter);
    }
    let overflowed = false;
    if (data.length > this.#maxLineBytes) {
      overflowed = true;
      data = Buffer.alloc(0);
    }
    this.#pending = Buffer.from(data); // own the bytes: serialport reuses its read pool
    return { lines, overflowed };
  }

  /** Forget a partial line (the device went away mid-line). */
  reset(): void {
    this.#pending = Buffer.alloc(0);
  }
}
