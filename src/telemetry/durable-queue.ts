// A durable, bounded, on-disk message queue: append-only segment files of
// CRC-framed records (queue-frames.ts) listed by an atomically replaced
// manifest (queue.json). Messages leave only when acknowledged; acks are
// records too. See docs/telemetry.md, "The durable queue", for the policy.
import { mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { TinyEdgeError } from '../errors.js';
import { TypedEmitter } from '../runtime/typed-emitter.js';
import type { Listener } from '../runtime/typed-emitter.js';
import { DATA_OVERHEAD, encodeAcks, encodeData, parseFrames } from './queue-frames.js';
import { acquireLock, ioError, rangeSet, readAt, readManifest, writeFully, writeManifest } from './queue-files.js';

/** When the queue calls `fdatasync` on its segment file. */
export type QueueFsyncPolicy = 'always' | 'never' | {
  /** Sync at most this often, ms. */
  intervalMs: number;
};

/** Options of {@link DurableQueue.open}. */
export interface DurableQueueOptions {
  /** Directory of the queue (created if missing); one process at a time (a `lock` file guards it). */
  dir: string;
  /** Message kinds, in drop order: when full, the oldest message of the first kind that has any is dropped first. At most 255. */
  kinds: readonly string[];
  /** Bound on the bytes of the segment files. Default 16 MiB; at least 64 KiB. */
  maxBytes?: number;
  /** Size at which the segment being written is closed and a new one started. Default min(1 MiB, maxBytes / 8). */
  segmentBytes?: number;
  /**
   * `always` (default): appends are written and `fdatasync`ed before `append` resolves (appends in
   * the same tick share one write and one sync), so an acknowledged append survives a power cut.
   * `{ intervalMs }`: written at once, synced at most that often; a message is handed out by `take`
   * only once synced, so nothing is sent that a power cut could take back. A process crash loses
   * nothing; a power cut loses up to the interval.
   * `never`: left to the OS; survives a process crash, not a power cut, after which a sequence
   * number that was already sent may be assigned again.
   * Acks are never synced: a lost ack means one duplicate delivery, not a loss.
   */
  fsync?: QueueFsyncPolicy;
  /** Payload bytes kept in memory so that sending does not read them back from disk. Default 1 MiB. */
  cacheBytes?: number;
}

/** A message taken from the queue for sending. */
export interface QueuedMessage {
  /** Sequence number (1, 2, ...; never reused). */
  seq: number;
  /** Its kind, one of the queue's `kinds`. */
  kind: string;
  /** The payload bytes. */
  payload: Buffer;
}

/** Counters of a {@link DurableQueue}. */
export interface DurableQueueStats {
  /** Messages not yet acknowledged (in flight included). */
  pending: number;
  /** Messages taken and not yet acknowledged or released. */
  inflight: number;
  /** Bytes of the pending messages' records. */
  liveBytes: number;
  /** Bytes of the segment files (the bound applies to this). */
  fileBytes: number;
  /** Segment files. */
  segments: number;
  /** Messages dropped because the queue was full, since the queue was created. */
  dropped: number;
  /** Highest sequence number assigned so far (0 when none). */
  lastSeq: number;
  /** Bytes of torn or corrupt tails cut off when the queue was opened. */
  tornBytes: number;
}

/** Events of a {@link DurableQueue}. */
export interface DurableQueueEvents {
  /** New messages are on disk and can be taken. */
  written: {
    /** Messages that became available. */
    count: number;
  };
  /** The queue was full and dropped messages, oldest first by kind order. */
  dropped: {
    /** Dropped this time. */
    count: number;
    /** Dropped this time, by kind. */
    byKind: Record<string, number>;
    /** Dropped since the queue was created. */
    total: number;
  };
}

interface Segment {
  id: number;
  fh: FileHandle;
  size: number;
  live: number;
}

const UNSENT = 0;
const INFLIGHT = 1;
const GONE = 2;

interface Entry {
  seq: number;
  kind: number;
  seg: Segment;
  offset: number;
  size: number;
  state: number;
  payload: Buffer | undefined;
  /** True when `payload` is held in the write cache (counted in #cachedBytes) rather than read back for one send. */
  cached: boolean;
}

interface PendingWrite {
  seq: number;
  kind: number;
  frame: Buffer;
  resolve: (seq: number) => void;
  reject: (err: unknown) => void;
}

const MANIFEST = 'queue.json';
const LOCK = 'lock';
const segName = (id: number): string => `${String(id).padStart(12, '0')}.seg`;

/**
 * A durable message queue on disk. `append` assigns the next sequence number
 * and writes the message before resolving; `take` hands out the oldest
 * unsent messages; `ack` removes one for good; `release` returns messages
 * in flight to the queue (after a lost connection). Reopening the directory
 * after a crash restores every unacknowledged message, in order, and the
 * sequence counter.
 *
 * @example
 * ```ts
 * const q = await DurableQueue.open({ dir: '/var/lib/app/queue', kinds: ['power', 'inference'] });
 * await q.append('inference', ({ seq }) => Buffer.from(JSON.stringify({ seq })));
 * for (const m of await q.take(10)) q.ack(m.seq);
 * await q.close();
 * ```
 */
export class DurableQueue {
  readonly #dir: string;
  readonly #kinds: readonly string[];
  readonly #maxBytes: number;
  readonly #segmentBytes: number;
  readonly #fsync: QueueFsyncPolicy;
  readonly #cacheBytes: number;
  readonly #events = new TypedEmitter<DurableQueueEvents>();
  #segments: Segment[] = [];
  #nextSegmentId = 1;
  #entries: Entry[] = [];
  #head = 0;
  #cursor = 0;
  #pendingCount = 0;
  #inflight = 0;
  #liveBytes = 0;
  #cachedBytes = 0;
  #lastSeq = 0;
  #dropped = 0;
  #session = 0;
  #tornBytes = 0;
  #writes: PendingWrite[] = [];
  /** Written but not yet synced (fsync `{ intervalMs }`): not handed out until durable. */
  #unsynced: Entry[] = [];
  #acks: number[] = [];
  #flushScheduled = false;
  #chain: Promise<void> = Promise.resolve();
  #dirty = false;
  #syncTimer: NodeJS.Timeout | undefined;
  #closed = false;
  #lockPath: string;

  private constructor(options: Required<DurableQueueOptions>) {
    this.#dir = options.dir;
    this.#kinds = options.kinds;
    this.#maxBytes = options.maxBytes;
    this.#segmentBytes = options.segmentBytes;
    this.#fsync = options.fsync;
    this.#cacheBytes = options.cacheBytes;
    this.#lockPath = join(options.dir, LOCK);
  }

  /**
   * Open (or create) the queue in `options.dir`, recovering what a previous
   * process left: torn tails are cut off, acknowledged messages skipped.
   *
   * @throws TypeError / RangeError for bad options
   * @throws TinyEdgeError `E_QUEUE_LOCKED` when another live process has the directory open,
   *   `E_QUEUE_CORRUPT` when the manifest is unreadable, `E_IO` when the directory cannot be used
   */
  static async open(options: DurableQueueOptions): Promise<DurableQueue> {
    const resolved = checkOptions(options);
    const queue = new DurableQueue(resolved);
    await queue.#open();
    return queue;
  }

  /** Listen to an event; returns a function that removes the listener. */
  on<K extends keyof DurableQueueEvents>(event: K, listener: Listener<DurableQueueEvents, K>): () => void {
    return this.#events.on(event, listener);
  }

  /** Current counters. */
  stats(): DurableQueueStats {
    return {
      pending: this.#pendingCount, inflight: this.#inflight, liveBytes: this.#liveBytes,
      fileBytes: this.#segments.reduce((n, s) => n + s.size, 0), segments: this.#segments.length,
      dropped: this.#dropped, lastSeq: this.#lastSeq, tornBytes: this.#tornBytes,
    };
  }

  /**
   * Append a message. The sequence number is assigned now, in call order;
   * `build` makes the payload from it (and from the dropped count), so the
   * payload can carry both.
   *
   * @param kind - one of the queue's kinds
   * @param build - returns the payload bytes for the assigned sequence number
   * @returns the sequence number, once the message is on disk (and synced, with fsync `always`)
   * @throws TypeError for an unknown kind; RangeError when the payload is larger than an eighth of `maxBytes`;
   *   TinyEdgeError `E_CLOSED` after close, `E_IO` when the write fails
   */
  async append(kind: string, build: (env: { seq: number; dropped: number }) => Uint8Array): Promise<number> {
    if (this.#closed) throw closedError();
    const kindIndex = this.#kinds.indexOf(kind);
    if (kindIndex < 0) throw new TypeError(`kind must be one of ${this.#kinds.join(', ')}, found ${JSON.stringify(kind)}`);
    const seq = this.#lastSeq + 1;
    const payload = build({ seq, dropped: this.#dropped });
    if (!(payload instanceof Uint8Array)) throw new TypeError('build must return a Uint8Array');
    if (DATA_OVERHEAD + payload.length > this.#maxBytes / 8) {
      throw new RangeError(`a message of ${payload.length} bytes does not fit a queue of ${this.#maxBytes} bytes (at most an eighth of it per message)`);
    }
    this.#lastSeq = seq;
    const frame = encodeData(seq, kindIndex, payload);
    return new Promise<number>((resolve, reject) => {
      this.#writes.push({ seq, kind: kindIndex, frame, resolve, reject });
      this.#scheduleFlush();
    });
  }

  /**
   * Take up to `max` of the oldest messages not yet taken, marking them in flight.
   *
   * @returns the messages, oldest first; empty when none is waiting
   */
  async take(max: number): Promise<QueuedMessage[]> {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be a positive integer, found ${max}`);
    if (this.#closed) throw closedError();
    return this.#serial(async () => {
      const picked: Entry[] = [];
      let i = Math.max(this.#cursor, this.#head);
      for (; i < this.#entries.length && picked.length < max; i++) {
        const e = this.#entries[i]!;
        if (e.state !== UNSENT) continue;
        e.state = INFLIGHT;
        this.#inflight++;
        picked.push(e);
      }
      this.#cursor = i;
      await this.#readPayloads(picked.filter((e) => e.payload === undefined));
      const out: QueuedMessage[] = [];
      for (const e of picked) {
        // Dropped or acknowledged while its payload was being read.
        if (e.state === GONE || e.payload === undefined) continue;
        out.push({ seq: e.seq, kind: this.#kinds[e.kind]!, payload: e.payload });
        if (!e.cached) e.payload = undefined;
      }
      return out;
    });
  }

  /**
   * Acknowledge messages: they leave the queue for good. Unknown or already
   * acknowledged sequence numbers are ignored. The ack is written to disk
   * soon after, without a sync.
   */
  ack(...seqs: number[]): void {
    if (this.#closed) return;
    let any = false;
    for (const seq of seqs) {
      const e = this.#find(seq);
      if (e === undefined || e.state === GONE) continue;
      if (e.state === INFLIGHT) this.#inflight--;
      this.#remove(e);
      this.#acks.push(seq);
      any = true;
    }
    if (any) {
      this.#advanceHead();
      this.#scheduleFlush();
    }
  }

  /** Return every message in flight to the queue, to be taken again (oldest first). */
  release(): void {
    for (let i = this.#head; i < this.#entries.length; i++) {
      const e = this.#entries[i]!;
      if (e.state === INFLIGHT) e.state = UNSENT;
    }
    this.#inflight = 0;
    this.#cursor = this.#head;
  }

  /**
   * Increment and persist the session counter (one per connection attempt).
   *
   * @returns the new session number
   */
  async nextSession(): Promise<number> {
    if (this.#closed) throw closedError();
    return this.#serial(async () => {
      this.#session++;
      await this.#saveManifest();
      return this.#session;
    });
  }

  /** Write what is pending, sync, and close the files. Pending messages stay on disk for the next open. Closing twice is harmless. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#syncTimer);
    await this.#serial(async () => {
      await this.#flushNow();
      const active = this.#segments[this.#segments.length - 1];
      if (active !== undefined) await active.fh.datasync();
      await this.#saveManifest();
      for (const s of this.#segments) await s.fh.close();
      await unlink(this.#lockPath).catch(() => undefined);
    });
  }

  /** Same as {@link DurableQueue.close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- opening -------------------------------------------------------------------------------

  async #open(): Promise<void> {
    await mkdir(this.#dir, { recursive: true }).catch((err: unknown) => {
      throw ioError(`Cannot create the queue directory ${this.#dir}`, err);
    });
    await acquireLock(this.#lockPath, this.#dir);
    try {
      const manifest = await readManifest(join(this.#dir, MANIFEST));
      this.#lastSeq = manifest.lastSeq;
      this.#dropped = manifest.dropped;
      this.#session = manifest.session;
      const listed = new Set(manifest.segments);
      for (const name of await readdir(this.#dir)) {
        const m = /^(\d{12})\.seg(\.tmp)?$/.exec(name);
        if (m === null) continue;
        const id = Number(m[1]);
        this.#nextSegmentId = Math.max(this.#nextSegmentId, id + 1);
        // Not in the manifest: a compaction or roll that did not commit, or a segment whose deletion was interrupted.
        if (m[2] !== undefined || !listed.has(id)) await unlink(join(this.#dir, name)).catch(() => undefined);
      }
      const records: Array<{ seq: number; kind: number; seg: Segment; offset: number; size: number }> = [];
      const acked: Array<[number, number]> = [];
      for (const id of manifest.segments) {
        const path = join(this.#dir, segName(id));
        const fh = await open(path, 'r+').catch(async (err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return open(path, 'w+');
          throw err;
        });
        const bytes = await readAt(fh, 0, (await fh.stat()).size);
        const parsed = parseFrames(bytes);
        if (parsed.goodBytes < bytes.length) {
          this.#tornBytes += bytes.length - parsed.goodBytes;
          await fh.truncate(parsed.goodBytes);
          await fh.datasync();
        }
        const seg: Segment = { id, fh, size: parsed.goodBytes, live: 0 };
        this.#segments.push(seg);
        for (const r of parsed.data) records.push({ ...r, seg });
        acked.push(...parsed.acks);
      }
      records.sort((a, b) => a.seq - b.seq);
      const isAcked = rangeSet(acked);
      let last = -1;
      for (const r of records) {
        this.#lastSeq = Math.max(this.#lastSeq, r.seq);
        if (r.seq === last || isAcked(r.seq) || r.kind >= this.#kinds.length) continue;
        last = r.seq;
        r.seg.live++;
        this.#entries.push({ ...r, state: UNSENT, payload: undefined, cached: false });
        this.#pendingCount++;
        this.#liveBytes += r.size;
      }
      for (const [, to] of acked) this.#lastSeq = Math.max(this.#lastSeq, to);
      if (this.#segments.length === 0) await this.#roll();
      await this.#deleteDeadPrefix();
      if (typeof this.#fsync === 'object') {
        this.#syncTimer = setInterval(() => void this.#serial(() => this.#syncIfDirty()).catch(() => undefined), this.#fsync.intervalMs);
        this.#syncTimer.unref();
      }
    } catch (err) {
      for (const s of this.#segments) await s.fh.close().catch(() => undefined);
      await unlink(this.#lockPath).catch(() => undefined);
      if (err instanceof TinyEdgeError) throw err;
      throw ioError(`Cannot open the queue in ${this.#dir}`, err);
    }
  }

  // ---- writing ---------------------------------------------------------------------------------

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(task);
    this.#chain = run.then(() => undefined, () => undefined);
    return run;
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      void this.#serial(() => this.#flushNow()).catch(() => undefined);
    });
  }

  /** Write pending appends (in groups bounded by the segment size) and acks; sync per policy; resolve the appends. */
  async #flushNow(): Promise<void> {
    while (this.#writes.length > 0 || this.#acks.length > 0) {
      const batch: PendingWrite[] = [];
      let bytes = 0;
      while (this.#writes.length > 0 && (batch.length === 0 || bytes + this.#writes[0]!.frame.length <= this.#segmentBytes)) {
        const w = this.#writes.shift()!;
        batch.push(w);
        bytes += w.frame.length;
      }
      try {
        const ackFrame = this.#acks.length > 0 ? encodeAcks(this.#acks.splice(0)) : undefined;
        const frames = ackFrame === undefined ? batch.map((w) => w.frame) : [ackFrame, ...batch.map((w) => w.frame)];
        const size = bytes + (ackFrame?.length ?? 0);
        if (batch.length > 0) await this.#makeRoom(size);
        let active = this.#segments[this.#segments.length - 1]!;
        if (active.size > 0 && active.size + size > this.#segmentBytes) active = await this.#roll();
        const chunk = frames.length === 1 ? frames[0]! : Buffer.concat(frames, size);
        await writeFully(active.fh, chunk, active.size);
        let offset = active.size + (ackFrame?.length ?? 0);
        active.size += size;
        this.#dirty = true;
        if (batch.length > 0 && this.#fsync === 'always') await this.#syncIfDirty();
        for (const w of batch) {
          const entry: Entry = { seq: w.seq, kind: w.kind, seg: active, offset, size: w.frame.length, state: UNSENT, payload: undefined, cached: false };
          offset += w.frame.length;
          const payload = w.frame.subarray(DATA_OVERHEAD);
          if (this.#cachedBytes + payload.length <= this.#cacheBytes) {
            entry.payload = payload;
            entry.cached = true;
            this.#cachedBytes += payload.length;
          }
          active.live++;
          this.#pendingCount++;
          this.#liveBytes += entry.size;
          if (typeof this.#fsync === 'object') this.#unsynced.push(entry);
          else this.#entries.push(entry);
        }
        await this.#deleteDeadPrefix();
      } catch (err) {
        const error = err instanceof TinyEdgeError ? err : ioError(`Cannot write to the queue in ${this.#dir}`, err);
        for (const w of batch) w.reject(error);
        continue;
      }
      for (const w of batch) w.resolve(w.seq);
      if (batch.length > 0 && typeof this.#fsync !== 'object') this.#events.emit('written', { count: batch.length });
    }
  }

  /** Sync the segment being written when it has unsynced bytes; messages waiting for durability become available. */
  async #syncIfDirty(): Promise<void> {
    if (this.#dirty) {
      this.#dirty = false;
      await this.#segments[this.#segments.length - 1]?.fh.datasync();
    }
    if (this.#unsynced.length > 0) {
      const ready = this.#unsynced.splice(0);
      for (const e of ready) if (e.state !== GONE) this.#entries.push(e);
      this.#events.emit('written', { count: ready.length });
    }
  }

  /** Keep the files within maxBytes for `size` more bytes: delete dead segments, compact, and drop when still full. */
  async #makeRoom(size: number): Promise<void> {
    const fileBytes = (): number => this.#segments.reduce((n, s) => n + s.size, 0);
    if (fileBytes() + size <= this.#maxBytes) return;
    await this.#syncIfDirty(); // messages waiting for a sync become droppable
    await this.#deleteDeadPrefix();
    if (fileBytes() + size <= this.#maxBytes) return;
    // Drop down to 7/8 of the bound, so that compactions stay rare while the queue is full.
    const target = this.#maxBytes - size - Math.floor(this.#maxBytes / 8);
    if (this.#liveBytes > target) this.#drop(this.#liveBytes - target);
    await this.#compact();
  }

  /** Drop at least `bytes` of records: oldest first within each kind, kinds in drop order. */
  #drop(bytes: number): void {
    const byKind: Record<string, number> = {};
    let freed = 0;
    let count = 0;
    for (let k = 0; k < this.#kinds.length && freed < bytes; k++) {
      for (let i = this.#head; i < this.#entries.length && freed < bytes; i++) {
        const e = this.#entries[i]!;
        if (e.state === GONE || e.kind !== k) continue;
        if (e.state === INFLIGHT) this.#inflight--;
        freed += e.size;
        this.#remove(e);
        count++;
        const name = this.#kinds[k]!;
        byKind[name] = (byKind[name] ?? 0) + 1;
      }
    }
    this.#dropped += count;
    this.#advanceHead();
    if (count > 0) this.#events.emit('dropped', { count, byKind, total: this.#dropped });
  }

  /** Rewrite every pending record into one new segment, start a new active segment, switch the manifest, delete the rest. */
  async #compact(): Promise<void> {
    await this.#syncIfDirty();
    const compactId = this.#nextSegmentId++;
    const tmp = join(this.#dir, `${segName(compactId)}.tmp`);
    const fh = await open(tmp, 'w+');
    const old = this.#segments;
    let size = 0;
    const moved: Array<{ entry: Entry; offset: number }> = [];
    try {
      for (const seg of old) {
        const live = this.#liveEntriesOf(seg);
        if (live.length === 0) continue;
        const bytes = await readAt(seg.fh, 0, seg.size);
        for (const entry of live) {
          await writeFully(fh, bytes.subarray(entry.offset, entry.offset + entry.size), size);
          moved.push({ entry, offset: size });
          size += entry.size;
        }
      }
      await fh.datasync();
    } catch (err) {
      await fh.close();
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    await rename(tmp, join(this.#dir, segName(compactId)));
    const compacted: Segment = { id: compactId, fh, size, live: moved.length };
    const activeId = this.#nextSegmentId++;
    const active: Segment = { id: activeId, fh: await open(join(this.#dir, segName(activeId)), 'w+'), size: 0, live: 0 };
    this.#segments = [compacted, active];
    await this.#saveManifest();
    for (const { entry, offset } of moved) {
      entry.seg = compacted;
      entry.offset = offset;
    }
    for (const seg of old) {
      await seg.fh.close().catch(() => undefined);
      await unlink(join(this.#dir, segName(seg.id))).catch(() => undefined);
    }
    this.#dirty = false;
  }

  #liveEntriesOf(seg: Segment): Entry[] {
    const out: Entry[] = [];
    for (let i = this.#head; i < this.#entries.length; i++) {
      const e = this.#entries[i]!;
      if (e.seg === seg && e.state !== GONE) out.push(e);
    }
    return out;
  }

  /** Start a new segment file and list it in the manifest before anything is written to it. */
  async #roll(): Promise<Segment> {
    await this.#syncIfDirty();
    const id = this.#nextSegmentId++;
    const seg: Segment = { id, fh: await open(join(this.#dir, segName(id)), 'w+'), size: 0, live: 0 };
    this.#segments.push(seg);
    await this.#saveManifest();
    return seg;
  }

  /** Delete leading segments with nothing pending (never the one being written). Their acks only concern records in them or before them. */
  async #deleteDeadPrefix(): Promise<void> {
    const dead: Segment[] = [];
    while (this.#segments.length > 1 && this.#segments[0]!.live === 0) dead.push(this.#segments.shift()!);
    if (dead.length === 0) return;
    await this.#saveManifest();
    for (const seg of dead) {
      await seg.fh.close().catch(() => undefined);
      await unlink(join(this.#dir, segName(seg.id))).catch(() => undefined);
    }
  }

  #saveManifest(): Promise<void> {
    return writeManifest(join(this.#dir, MANIFEST), {
      format: 1, segments: this.#segments.map((seg) => seg.id), lastSeq: this.#lastSeq, dropped: this.#dropped, session: this.#session,
    });
  }

  // ---- reading ---------------------------------------------------------------------------------

  /** Read the payloads of `entries` from disk, one read per run of adjacent records in a segment. */
  async #readPayloads(entries: Entry[]): Promise<void> {
    let i = 0;
    while (i < entries.length) {
      const first = entries[i]!;
      let j = i + 1;
      let end = first.offset + first.size;
      while (j < entries.length && entries[j]!.seg === first.seg && entries[j]!.offset === end && end - first.offset < 1 << 20) {
        end += entries[j]!.size;
        j++;
      }
      const buf = await readAt(first.seg.fh, first.offset, end - first.offset);
      if (buf.length !== end - first.offset) throw new TinyEdgeError('E_IO', `The queue file ${segName(first.seg.id)} is shorter than its index says.`, 'Something else modified the queue directory; move it away to start a new queue.');
      for (let k = i; k < j; k++) {
        const e = entries[k]!;
        e.payload = buf.subarray(e.offset - first.offset + DATA_OVERHEAD, e.offset - first.offset + e.size);
      }
      i = j;
    }
  }

  #find(seq: number): Entry | undefined {
    let lo = this.#head;
    let hi = this.#entries.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const e = this.#entries[mid]!;
      if (e.seq === seq) return e;
      if (e.seq < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  #remove(e: Entry): void {
    e.state = GONE;
    e.seg.live--;
    this.#pendingCount--;
    this.#liveBytes -= e.size;
    if (e.cached && e.payload !== undefined) this.#cachedBytes -= e.payload.length;
    e.payload = undefined;
    e.cached = false;
  }

  #advanceHead(): void {
    while (this.#head < this.#entries.length && this.#entries[this.#head]!.state === GONE) this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#cursor = Math.max(0, this.#cursor - this.#head);
      this.#head = 0;
    }
  }
}

function checkOptions(options: DurableQueueOptions): Required<DurableQueueOptions> {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  if (typeof options.dir !== 'string' || options.dir === '') throw new TypeError('dir must be a non-empty path');
  const kinds = options.kinds;
  if (!Array.isArray(kinds) || kinds.length === 0 || kinds.length > 255 || !kinds.every((k) => typeof k === 'string' && k !== '') || new Set(kinds).size !== kinds.length) {
    throw new TypeError('kinds must be 1 to 255 distinct non-empty strings');
  }
  const maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 64 * 1024) throw new RangeError(`maxBytes must be an integer of at least 65536, found ${maxBytes}`);
  const segmentBytes = options.segmentBytes ?? Math.min(1024 * 1024, Math.floor(maxBytes / 8));
  if (!Number.isSafeInteger(segmentBytes) || segmentBytes < 4096 || segmentBytes > maxBytes / 2) {
    throw new RangeError(`segmentBytes must be an integer from 4096 to maxBytes / 2, found ${segmentBytes}`);
  }
  const fsync = options.fsync ?? 'always';
  if (fsync !== 'always' && fsync !== 'never' && !(typeof fsync === 'object' && fsync !== null && Number.isFinite(fsync.intervalMs) && fsync.intervalMs > 0)) {
    throw new TypeError(`fsync must be 'always', 'never' or { intervalMs > 0 }, found ${JSON.stringify(fsync)}`);
  }
  const cacheBytes = options.cacheBytes ?? 1024 * 1024;
  if (!Number.isSafeInteger(cacheBytes) || cacheBytes < 0) throw new RangeError(`cacheBytes must be a non-negative integer, found ${cacheBytes}`);
  return { dir: options.dir, kinds: [...kinds], maxBytes, segmentBytes, fsync, cacheBytes };
}

function closedError(): TinyEdgeError {
  return new TinyEdgeError('E_CLOSED', 'The telemetry queue is closed.', 'Open the queue (or the telemetry link) again.');
}

