import { appendFile, mkdtemp, readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TinyEdgeError } from '../src/errors.js';
import { DurableQueue } from '../src/telemetry/durable-queue.js';
import type { DurableQueueOptions } from '../src/telemetry/durable-queue.js';
import { encodeData, parseFrames } from '../src/telemetry/queue-frames.js';

const KINDS = ['power', 'board', 'inference'] as const;
const tempDir = (): Promise<string> => mkdtemp(join(tmpdir(), 'tinyedge-queue-'));
const open = (dir: string, extra: Partial<DurableQueueOptions> = {}): Promise<DurableQueue> => DurableQueue.open({ dir, kinds: KINDS, ...extra });
const body = (seq: number, pad = 0): Buffer => Buffer.from(JSON.stringify({ seq, pad: 'x'.repeat(pad) }));

async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.seg')).sort();
}

async function fileBytes(dir: string): Promise<number> {
  let n = 0;
  for (const f of await segmentFiles(dir)) n += (await stat(join(dir, f))).size;
  return n;
}

async function drain(q: DurableQueue): Promise<Array<{ seq: number; kind: string; body: unknown }>> {
  const out: Array<{ seq: number; kind: string; body: unknown }> = [];
  for (;;) {
    const batch = await q.take(50);
    if (batch.length === 0) return out;
    for (const m of batch) out.push({ seq: m.seq, kind: m.kind, body: JSON.parse(m.payload.toString('utf8')) });
  }
}

describe('queue frames', () => {
  it('reads back what it wrote and stops at a flipped bit', () => {
    const a = encodeData(1, 0, Buffer.from('hello'));
    const b = encodeData(2, 2, Buffer.from('world'));
    expect(parseFrames(Buffer.concat([a, b]))).toMatchObject({ data: [{ seq: 1, kind: 0 }, { seq: 2, kind: 2 }], goodBytes: a.length + b.length });
    const bad = Buffer.concat([a, b]);
    bad[a.length + 20] = bad[a.length + 20]! ^ 0x01;
    expect(parseFrames(bad)).toMatchObject({ data: [{ seq: 1 }], goodBytes: a.length });
  });
});

describe('DurableQueue', () => {
  it('hands out messages in order and forgets acknowledged ones across a reopen', async () => {
    const dir = await tempDir();
    const q = await open(dir);
    const seqs = await Promise.all([1, 2, 3, 4, 5].map((i) => q.append(i % 2 ? 'power' : 'inference', ({ seq }) => body(seq))));
    expect(seqs).toEqual([1, 2, 3, 4, 5]);
    const first = await q.take(2);
    expect(first.map((m) => [m.seq, m.kind])).toEqual([[1, 'power'], [2, 'inference']]);
    q.ack(1, 2);
    await q.close();

    const again = await open(dir);
    expect(again.stats()).toMatchObject({ pending: 3, lastSeq: 5, tornBytes: 0 });
    expect((await drain(again)).map((m) => m.seq)).toEqual([3, 4, 5]);
    expect(await again.append('board', ({ seq }) => body(seq))).toBe(6);
    await again.close();
  });

  it('returns messages in flight with release(), oldest first', async () => {
    const q = await open(await tempDir());
    for (let i = 0; i < 4; i++) await q.append('power', ({ seq }) => body(seq));
    expect((await q.take(3)).map((m) => m.seq)).toEqual([1, 2, 3]);
    q.ack(2);
    q.release();
    expect((await q.take(10)).map((m) => m.seq)).toEqual([1, 3, 4]);
    expect(q.stats()).toMatchObject({ pending: 3, inflight: 3 });
    await q.close();
  });

  it('cuts a torn tail off and appends after the last good record', async () => {
    const dir = await tempDir();
    const q = await open(dir);
    for (let i = 0; i < 3; i++) await q.append('inference', ({ seq }) => body(seq, 100));
    await q.close();
    const [seg] = await segmentFiles(dir);
    const path = join(dir, seg!);
    const size = (await stat(path)).size;
    await truncate(path, size - 7); // the last record was being written when the power went

    const again = await open(dir);
    expect(again.stats().pending).toBe(2);
    expect(again.stats().tornBytes).toBeGreaterThan(0);
    // close() had recorded seq 3 in the manifest, so it is not reused (after a real crash it may be).
    const next = again.stats().lastSeq + 1;
    expect(await again.append('inference', ({ seq }) => body(seq))).toBe(next);
    await again.close();

    const third = await open(dir);
    expect((await drain(third)).map((m) => m.body)).toEqual([{ seq: 1, pad: 'x'.repeat(100) }, { seq: 2, pad: 'x'.repeat(100) }, { seq: next, pad: '' }]);
    expect(third.stats().tornBytes).toBe(0);
    await third.close();
  });

  it('skips garbage appended after the last record (a write that never completed)', async () => {
    const dir = await tempDir();
    const q = await open(dir);
    await q.append('power', ({ seq }) => body(seq));
    await q.close();
    const [seg] = await segmentFiles(dir);
    await appendFile(join(dir, seg!), Buffer.from([0x30, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]));
    const again = await open(dir);
    expect(again.stats()).toMatchObject({ pending: 1, tornBytes: 12 });
    await again.close();
  });

  it('keeps the sequence counter when every message was acknowledged and the files deleted', async () => {
    const dir = await tempDir();
    const q = await open(dir, { maxBytes: 64 * 1024, segmentBytes: 4096 });
    for (let i = 0; i < 200; i++) await q.append('power', ({ seq }) => body(seq, 50));
    for (;;) {
      const batch = await q.take(64);
      if (batch.length === 0) break;
      q.ack(...batch.map((m) => m.seq));
    }
    await q.close();
    expect((await segmentFiles(dir)).length).toBeLessThanOrEqual(2);
    expect(await fileBytes(dir)).toBeLessThan(8192);
    const again = await open(dir);
    expect(again.stats()).toMatchObject({ pending: 0, lastSeq: 200 });
    expect(await again.append('power', ({ seq }) => body(seq))).toBe(201);
    await again.close();
  });

  it('stays within maxBytes, dropping the oldest power messages first and inference reports last', async () => {
    const dir = await tempDir();
    const maxBytes = 64 * 1024;
    const q = await open(dir, { maxBytes, segmentBytes: 8192, fsync: 'never' });
    const events: Array<{ count: number; byKind: Record<string, number> }> = [];
    q.on('dropped', (e) => events.push(e));
    const seen: Array<{ seq: number; dropped: number }> = [];
    // Ten inference reports first (the oldest messages), then far more power than fits.
    for (let i = 0; i < 10; i++) await q.append('inference', ({ seq }) => body(seq, 200));
    for (let i = 0; i < 600; i++) {
      await q.append('power', ({ seq, dropped }) => {
        seen.push({ seq, dropped });
        return body(seq, 200);
      });
      expect(await fileBytes(dir)).toBeLessThanOrEqual(maxBytes);
    }
    const stats = q.stats();
    expect(stats.fileBytes).toBeLessThanOrEqual(maxBytes);
    expect(stats.dropped).toBeGreaterThan(0);
    expect(events.every((e) => Object.keys(e.byKind).every((k) => k === 'power'))).toBe(true);
    // The builder saw the running dropped count.
    expect(seen[seen.length - 1]!.dropped).toBeGreaterThan(0);
    const left = await drain(q);
    // Every inference report survived; the power messages left are the newest, in order.
    expect(left.filter((m) => m.kind === 'inference').map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const power = left.filter((m) => m.kind === 'power').map((m) => m.seq);
    expect(power[power.length - 1]).toBe(610);
    expect(power).toEqual([...power].sort((a, b) => a - b));
    expect(power.length + stats.dropped).toBe(600);
    await q.close();
    // Dropped count and contents survive a reopen.
    const again = await open(dir, { maxBytes, segmentBytes: 8192 });
    expect(again.stats()).toMatchObject({ dropped: stats.dropped, pending: left.length, lastSeq: 610 });
    await again.close();
  });

  it('drops inference reports only once no power message is left', async () => {
    const q = await open(await tempDir(), { maxBytes: 64 * 1024, segmentBytes: 8192, fsync: 'never' });
    const dropped: Record<string, number> = {};
    q.on('dropped', (e) => {
      for (const [k, n] of Object.entries(e.byKind)) dropped[k] = (dropped[k] ?? 0) + n;
    });
    for (let i = 0; i < 20; i++) await q.append('power', ({ seq }) => body(seq, 200));
    for (let i = 0; i < 400; i++) await q.append('inference', ({ seq }) => body(seq, 200));
    expect(dropped.power).toBe(20);
    expect(dropped.inference).toBeGreaterThan(0);
    const left = await drain(q);
    expect(left.every((m) => m.kind === 'inference')).toBe(true);
    expect(left[left.length - 1]!.seq).toBe(420);
    await q.close();
  });

  it('with fsync { intervalMs }, hands a message out only once it is synced', async () => {
    const dir = await tempDir();
    const q = await open(dir, { fsync: { intervalMs: 150 } });
    expect(await q.append('inference', ({ seq }) => body(seq))).toBe(1);
    expect(await q.take(10)).toEqual([]); // written, not yet durable
    const written = new Promise((resolve) => q.on('written', resolve));
    await written;
    expect((await q.take(10)).map((m) => m.seq)).toEqual([1]);
    await q.close();
  });

  it('refuses a message larger than an eighth of the bound', async () => {
    const q = await open(await tempDir(), { maxBytes: 64 * 1024 });
    await expect(q.append('power', () => Buffer.alloc(9000))).rejects.toThrow(RangeError);
    expect(await q.append('power', ({ seq }) => body(seq))).toBe(1);
    await q.close();
  });

  it('is locked against a second live opener, and takes over the lock of a dead one', async () => {
    const dir = await tempDir();
    const q = await open(dir);
    const err = await open(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TinyEdgeError);
    expect((err as TinyEdgeError).code).toBe('E_QUEUE_LOCKED');
    await q.close();
    await writeFile(join(dir, 'lock'), '999999999\n'); // no such process
    const again = await open(dir);
    expect(await readFile(join(dir, 'lock'), 'utf8')).toBe(`${process.pid}\n`);
    await again.close();
  });

  it('reports a manifest it did not write as E_QUEUE_CORRUPT', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'queue.json'), '{"format": 7}');
    const err = await open(dir).catch((e: unknown) => e);
    expect((err as TinyEdgeError).code).toBe('E_QUEUE_CORRUPT');
  });

  it('rejects bad options with TypeError or RangeError', async () => {
    const dir = await tempDir();
    await expect(DurableQueue.open({ dir, kinds: [] })).rejects.toThrow(TypeError);
    await expect(DurableQueue.open({ dir, kinds: ['a'], maxBytes: 10 })).rejects.toThrow(RangeError);
    await expect(DurableQueue.open({ dir, kinds: ['a'], fsync: 'sometimes' as never })).rejects.toThrow(TypeError);
    const q = await open(dir);
    await expect(q.append('nope', () => Buffer.alloc(1))).rejects.toThrow(TypeError);
    await q.close();
  });
});
