/**
 * Real pseudo-terminal pairs from `socat`, for serial-port tests: one end
 * plays the device (a power meter, a fridge controller), the other is what
 * tinyedge opens. `stop()` makes the device vanish (socat exits, both ends
 * go away, the link paths are removed) and `start()` brings it back under
 * the same link paths, as a USB adapter that is unplugged and plugged in.
 *
 * ```ts
 * const pair = await createPtyPair();
 * const device = await openPtyPeer(pair.b);       // the device's side
 * const link = await openSerialLink({ path: pair.a, baudRate: 115200, framing: 'lines' });
 * await device.write('W=1.25\n');
 * await pair.close();
 * ```
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tty from 'node:tty';

/** True when `socat` can be run on this machine (CI installs it; see .ci/run). */
export function socatAvailable(): boolean {
  return spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
}

/** A running (or stopped) socat pty pair with stable link paths. */
export interface PtyPair {
  /** The temporary directory holding the links. */
  readonly dir: string;
  /** Link path of one end (give this one to the code under test). */
  readonly a: string;
  /** Link path of the other end (the device's side, see {@link openPtyPeer}). */
  readonly b: string;
  /** True while socat runs. */
  readonly running: boolean;
  /** Start socat again with the same link paths; resolves once both links exist. */
  start(): Promise<void>;
  /** Stop socat (SIGTERM): both ends vanish; resolves once it exited and the links are gone. */
  stop(): Promise<void>;
  /** Stop socat and remove the directory. Safe to call twice. */
  close(): Promise<void>;
}

/** Options of {@link createPtyPair}. */
export interface PtyPairOptions {
  /** Directory for the links; default a new temporary directory (removed by `close()`). */
  dir?: string;
  /** How long to wait for socat to create the links, ms. Default 5000. */
  timeoutMs?: number;
}

async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Start `socat -d -d pty,raw,echo=0,link=<dir>/a pty,raw,echo=0,link=<dir>/b`. */
export async function createPtyPair(options: PtyPairOptions = {}): Promise<PtyPair> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'tinyedge-pty-')));
  const timeoutMs = options.timeoutMs ?? 5000;
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let stderr = '';

  const start = async (): Promise<void> => {
    if (child !== null) return;
    // A socat killed hard leaves dangling links behind; never reuse them.
    rmSync(a, { force: true });
    rmSync(b, { force: true });
    stderr = '';
    const proc = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child = proc;
    proc.stderr?.setEncoding('utf8').on('data', (d: string) => { stderr = (stderr + d).slice(-2000); });
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    const failed = new Promise<never>((_, reject) => {
      proc.once('error', (err) => reject(err));
      proc.once('exit', (code) => reject(new Error(`socat exited early (code ${String(code)}): ${stderr}`)));
    });
    failed.catch(() => undefined);
    // socat logs "starting data transfer loop" once both ptys and links exist.
    await Promise.race([
      waitUntil(() => existsSync(a) && existsSync(b) && stderr.includes('starting data transfer loop'), timeoutMs, `socat links ${a} and ${b}`),
      failed,
    ]);
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    if (proc === null) return;
    child = null;
    proc.kill('SIGTERM');
    await exited;
    await waitUntil(() => !existsSync(a) && !existsSync(b), timeoutMs, 'socat to remove its links');
  };

  await start();
  return {
    dir,
    a,
    b,
    get running() {
      return child !== null;
    },
    start,
    stop,
    async close() {
      await stop();
      if (ownDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

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
