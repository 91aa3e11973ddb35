// Files of the durable queue other than segments: the lock, the manifest,
// and positional read/write helpers.
import { open, readFile, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TinyEdgeError } from '../errors.js';

/** queue.json: which segment files make up the queue, and the counters that outlive them. */
export interface QueueManifest {
  /** Always 1. */
  format: 1;
  /** Segment ids, oldest first. */
  segments: number[];
  /** Highest sequence number ever assigned. */
  lastSeq: number;
  /** Messages dropped so far. */
  dropped: number;
  /** Connection attempts so far. */
  session: number;
}

/** Take the queue directory's lock file (pid inside); a lock whose process is gone is taken over. */
export async function acquireLock(lockPath: string, dir: string): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(lockPath, 'wx');
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(`Cannot create ${lockPath}`, err);
    }
    const pid = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
      throw new TinyEdgeError('E_QUEUE_LOCKED', `The queue in ${dir} is in use by process ${pid}.`,
        `Stop that process or give this one another queue directory. If process ${pid} is not a tinyedge process, delete ${lockPath}.`);
    }
    // A lock left by a process that died (kill -9, power cut): take it over.
    await unlink(lockPath).catch(() => undefined);
  }
  throw new TinyEdgeError('E_QUEUE_LOCKED', `Another process keeps taking the lock of the queue in ${dir}.`, 'Give each process its own queue directory.');
}

/** Read queue.json; a missing file is an empty queue. */
export async function readManifest(path: string): Promise<QueueManifest> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { format: 1, segments: [], lastSeq: 0, dropped: 0, session: 0 };
    throw ioError(`Cannot read ${path}`, err);
  }
  const m = safeJson(text) as Partial<QueueManifest> | undefined;
  const count = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (m === undefined || m.format !== 1 || !Array.isArray(m.segments) || !m.segments.every(count) ||
      !count(m.lastSeq) || !count(m.dropped) || !count(m.session)) {
    throw new TinyEdgeError('E_QUEUE_CORRUPT', `${path} is not a tinyedge queue manifest (format 1).`,
      'The file is only ever replaced atomically, so something else wrote it: move the queue directory away to start a new queue.');
  }
  return m as QueueManifest;
}

/** Replace queue.json atomically: write a temporary file, sync it, rename it over, sync the directory. */
export async function writeManifest(path: string, manifest: QueueManifest): Promise<void> {
  const fh = await open(`${path}.tmp`, 'w');
  try {
    await fh.writeFile(`${JSON.stringify(manifest)}\n`);
    await fh.datasync();
  } finally {
    await fh.close();
  }
  await rename(`${path}.tmp`, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } catch {
    // Some filesystems cannot sync a directory; the rename is still atomic.
  } finally {
    await dir.close();
  }
}

/** Positional write of all of `data`. */
export async function writeFully(fh: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await fh.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

/** Positional read of up to `length` bytes; shorter only at the end of the file. */
export async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? buf : buf.subarray(0, done);
}

/** A membership test over inclusive ranges (merged first, then binary search). */
export function rangeSet(ranges: Array<[number, number]>): (n: number) => boolean {
  const merged: Array<[number, number]> = [];
  for (const [a, b] of [...ranges].sort((x, y) => x[0] - y[0])) {
    const last = merged[merged.length - 1];
    if (last !== undefined && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else merged.push([a, b]);
  }
  return (n) => {
    let lo = 0;
    let hi = merged.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const [a, b] = merged[mid]!;
      if (n < a) hi = mid - 1;
      else if (n > b) lo = mid + 1;
      else return true;
    }
    return false;
  };
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** An `E_IO` error with a hint chosen by the errno. */
export function ioError(what: string, err: unknown): TinyEdgeError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return new TinyEdgeError('E_IO', `${what}: ${(err as Error)?.message ?? String(err)}.`,
    code === 'EACCES' || code === 'EPERM' ? 'Check the permissions of the queue directory.'
      : code === 'ENOSPC' ? 'The disk is full: free space or lower the queue\'s maxBytes.'
        : 'Check that the queue directory is on a writable local filesystem.', { cause: err });
}
