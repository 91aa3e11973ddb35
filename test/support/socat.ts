/**
 * Real pseudo-terminal pairs from `socat`, for serial-port tests. The pair
 * itself ships in `tinyedge/testing` (src/testing/pty-pair.ts); the device's
 * end with test conveniences (`waitFor`) lives here.
 *
 * ```ts
 * const pair = await createPtyPair();
 * const device = await openPtyPeer(pair.b);       // the device's side
 * const link = await openSerialLink({ path: pair.a, baudRate: 115200, framing: 'lines' });
 * await device.write('W=1.25\n');
 * await pair.close();
 * ```
 */
import { closeSync, openSync } from 'node:fs';
import tty from 'node:tty';

export { createPtyPair, socatAvailable } from '../../src/testing/pty-pair.js';
export type { PtyPair, PtyPairOptions } from '../../src/testing/pty-pair.js';

/** The device's end of a pty pair: write bytes, read what the other end sent. */
export interface PtyPeer {
  /** Write and wait until the bytes reached the kernel. */
  write(data: string | Uint8Array): Promise<void>;
  /** Everything received so far. */
  received(): Buffer;
  /** Everything received so far, as UTF-8. */
  text(): string;
  /** Resolve with the received text once it contains `needle` (or the predicate holds). Rejects after `timeoutMs` (default 5000). */
  waitFor(needle: string | RegExp | ((text: string) => boolean), timeoutMs?: number): Promise<string>;
  /** True once the pty went away (socat stopped) or the peer was closed. */
  readonly ended: boolean;
  /** Close both file descriptors. Safe to call twice, and after the pty vanished. */
  close(): Promise<void>;
}

/** Open `path` (a pty link from {@link createPtyPair}) as the device side, with non-blocking tty streams. */
export async function openPtyPeer(path: string): Promise<PtyPeer> {
  // Separate descriptors for reading and writing, so each stream owns and closes its own.
  const readFd = openSync(path, 'r');
  let writeFd: number;
  try {
    writeFd = openSync(path, 'w');
  } catch (err) {
    closeSync(readFd);
    throw err;
  }
  const input = new tty.ReadStream(readFd);
  const output = new tty.WriteStream(writeFd);
  let buffer = Buffer.alloc(0);
  let ended = false;
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const w of [...waiters]) w();
  };
  input.on('data', (d: Buffer) => {
    buffer = Buffer.concat([buffer, d]);
    wake();
  });
  const markEnded = (): void => {
    ended = true;
    wake();
  };
  input.on('end', markEnded);
  input.on('close', markEnded);
  input.on('error', markEnded); // EIO once socat is gone
  output.on('error', () => undefined);

  const matches = (needle: string | RegExp | ((text: string) => boolean), text: string): boolean =>
    typeof needle === 'string' ? text.includes(needle) : needle instanceof RegExp ? needle.test(text) : needle(text);

  return {
    write(data) {
      return new Promise((resolve, reject) => {
        output.write(typeof data === 'string' ? data : Buffer.from(data), (err) => (err ? reject(err) : resolve()));
      });
    },
    received: () => buffer,
    text: () => buffer.toString('utf8'),
    waitFor(needle, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const text = buffer.toString('utf8');
          if (matches(needle, text)) {
            done();
            resolve(text);
          } else if (ended) {
            done();
            reject(new Error(`pty ${path} ended before ${String(needle)} arrived; received ${JSON.stringify(text)}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${String(needle)} on ${path}; received ${JSON.stringify(buffer.toString('utf8'))}`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    get ended() {
      return ended;
    },
    async close() {
      ended = true;
      const closed = (s: tty.ReadStream | tty.WriteStream): Promise<void> =>
        s.closed ? Promise.resolve() : new Promise((resolve) => { s.once('close', () => resolve()); s.destroy(); });
      await Promise.all([closed(input), closed(output)]);
    },
  };
}
