/**
 * A serial cable in software: a pair of linked pseudo-terminals made by
 * `socat` (Debian package `socat`). One end plays the device (a power meter,
 * a fridge controller), the other is what the code under test opens.
 * `stop()` makes the device vanish (socat exits, both ends go away, the link
 * paths are removed) and `start()` brings it back under the same link paths,
 * as a USB adapter that is unplugged and plugged in.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
  /** Link path of the other end: the device's side (open it with `openSerialLink`, as the simulated device would). */
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

/**
 * Starts `socat -d -d pty,raw,echo=0,link=<dir>/a pty,raw,echo=0,link=<dir>/b`
 * and resolves once both links exist.
 *
 * @param options - where the links go, how long to wait
 * @returns the running pair
 * @throws Error when socat is missing or does not create the links in time
 * @example
 * ```ts
 * const cable = await createPtyPair();
 * const app = await openSerialLink({ path: cable.a, baudRate: 115200 });
 * const device = await openSerialLink({ path: cable.b, baudRate: 115200 });
 * await cable.close();
 * ```
 */
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

