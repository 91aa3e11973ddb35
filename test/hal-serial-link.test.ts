import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isTinyEdgeError } from '../src/errors.js';
import type { SerialBinding } from '../src/hal/serial/hangup-aware-binding.js';
import { openSerialLink, type SerialCloseEvent, type SerialLink, type SerialReconnectingEvent } from '../src/hal/serial/serial-link.js';
import { createPtyPair, openPtyPeer, socatAvailable, type PtyPair, type PtyPeer } from './support/socat.js';

const hasSocat = socatAvailable();

/** Resolve with the first payload of `event` (rejects after `ms`). */
function next<T>(on: (listener: (p: T) => void) => () => void, ms = 5000, what = 'event'): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error(`timed out waiting for ${what}`)); }, ms);
    const off = on((p) => { clearTimeout(timer); off(); resolve(p); });
  });
}

describe.skipIf(!hasSocat)('SerialLink over socat pseudo-terminals', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  async function pair(): Promise<PtyPair> {
    const p = await createPtyPair();
    cleanups.push(() => p.close());
    return p;
  }
  async function peer(path: string): Promise<PtyPeer> {
    const p = await openPtyPeer(path);
    cleanups.push(() => p.close());
    return p;
  }
  function track<L extends SerialLink<'raw'> | SerialLink<'lines'>>(link: L): L {
    cleanups.push(() => link.close());
    return link;
  }

  it('round-trips raw bytes both ways, with write waiting for the drain', async () => {
    const p = await pair();
    const device = await peer(p.b);
    const link = track(await openSerialLink({ path: p.a, baudRate: 115200 }));
    expect(link.state).toBe('open');
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    await link.write(bytes);
    await device.waitFor((t) => device.received().length >= 256);
    expect([...device.received()]).toEqual([...bytes]);

    const chunks: Buffer[] = [];
    link.on('data', (d) => chunks.push(d));
    await device.write(Buffer.from([0xf0, 0x00, 0xff, 0x0a]));
    await expect.poll(() => Buffer.concat(chunks).length).toBe(4);
    expect([...Buffer.concat(chunks)]).toEqual([0xf0, 0x00, 0xff, 0x0a]);
  });

  it('splits lines (\\r\\n or \\n, across chunks, multi-byte characters whole) and iterates them', async () => {
    const p = await pair();
    const device = await peer(p.b);
    const link = track(await openSerialLink({ path: p.a, baudRate: 9600, framing: 'lines' }));
    const lines: string[] = [];
    const iterated = (async () => {
      for await (const line of link) {
        lines.push(line);
        if (lines.length === 3) break;
      }
    })();
    await device.write('power_mW=1250\r\ntemp=4.');
    const tail = Buffer.from('5\nzone=k\u00fcche\n', 'utf8');
    const split = tail.indexOf(0xc3) + 1; // between the two bytes of \u00fc
    await device.write(tail.subarray(0, split));
    await new Promise((r) => setTimeout(r, 20));
    await device.write(tail.subarray(split));
    await iterated;
    expect(lines).toEqual(['power_mW=1250', 'temp=4.5', 'zone=k\u00fcche']);
    await link.write('ack\n');
    await device.waitFor('ack\n');
  });

  it('drops an over-long line with an E_IO error event instead of growing without bound', async () => {
    const p = await pair();
    const device = await peer(p.b);
    const link = track(await openSerialLink({ path: p.a, baudRate: 9600, framing: 'lines', maxLineBytes: 16 }));
    const error = next<unknown>((l) => link.on('error', l));
    const line = next<string>((l) => link.on('data', l));
    await device.write('x'.repeat(40));
    const err = await error;
    expect(isTinyEdgeError(err, 'E_IO')).toBe(true);
    expect((err as Error).message).toMatch(/more than 16 bytes/);
    await device.write('\nok\n'); // the rest of the garbage line ends; the next one is whole
    expect(await line).toBe('');
  });

  it('survives the device vanishing, reconnects with backoff when it comes back, and reads again', async () => {
    const p = await pair();
    const link = track(await openSerialLink({ path: p.a, baudRate: 115200, framing: 'lines', reconnect: { initialDelayMs: 20, factor: 2, maxDelayMs: 80 } }));
    const closes: SerialCloseEvent[] = [];
    const attempts: SerialReconnectingEvent[] = [];
    link.on('close', (e) => closes.push(e));
    link.on('reconnecting', (e) => attempts.push(e));

    const device = await openPtyPeer(p.b);
    const closed = next<SerialCloseEvent>((l) => link.on('close', l));
    await p.stop(); // unplugged
    await device.close();
    const first = await closed;
    expect(first).toMatchObject({ reason: 'disconnected', willReconnect: true });
    expect(isTinyEdgeError(first.error, 'E_DISCONNECTED')).toBe(true);
    expect(link.state).toBe('reconnecting');
    await expect(link.write('x')).rejects.toMatchObject({ code: 'E_DISCONNECTED' });

    // Let a few attempts fail against the missing path: delays grow and are capped.
    await expect.poll(() => attempts.length, { timeout: 5000 }).toBeGreaterThanOrEqual(4);
    expect(attempts.slice(0, 4).map((a) => a.delayMs)).toEqual([20, 40, 80, 80]);
    expect(attempts.slice(0, 4).map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
    expect(attempts[1]?.error.code).toBe('E_NOT_FOUND');

    const reopened = next<{ reconnected: boolean }>((l) => link.on('open', l), 5000, 'reopen');
    await p.start(); // plugged back in, same link paths
    expect(await reopened).toEqual({ path: p.a, reconnected: true });
    expect(link.state).toBe('open');

    const device2 = await peer(p.b);
    const line = next<string>((l) => link.on('data', l));
    await device2.write('back\n');
    expect(await line).toBe('back');
    await link.write('hello again\n');
    await device2.waitFor('hello again\n');
    expect(closes).toHaveLength(1);
  });

  it('gives up after maxAttempts with a gave-up close, and the process lives on', async () => {
    const p = await pair();
    const link = track(await openSerialLink({ path: p.a, baudRate: 115200, reconnect: { initialDelayMs: 10, maxAttempts: 2 } }));
    const gaveUp = new Promise<SerialCloseEvent>((resolve) => link.on('close', (e) => { if (e.reason === 'gave-up') resolve(e); }));
    await p.stop();
    const e = await gaveUp;
    expect(e.willReconnect).toBe(false);
    expect(e.error?.message).toMatch(/did not come back after 2 attempts/);
    expect(link.state).toBe('closed');
    await expect(link.write('x')).rejects.toMatchObject({ code: 'E_CLOSED' });
  });

  it('with reconnect: false, a vanished device closes the link for good (a hung-up tty is noticed, not spun on)', async () => {
    const p = await pair();
    const link = track(await openSerialLink({ path: p.a, baudRate: 115200, reconnect: false }));
    const closed = next<SerialCloseEvent>((l) => link.on('close', l));
    await p.stop();
    expect(await closed).toMatchObject({ reason: 'disconnected', willReconnect: false });
    expect(link.state).toBe('closed');
  });

  it('a write in flight when the device vanishes rejects with E_DISCONNECTED instead of hanging', async () => {
    const p = await pair();
    const link = track(await openSerialLink({ path: p.a, baudRate: 115200, reconnect: { initialDelayMs: 20 } }));
    await p.stop(); // the link has not noticed yet: it still says open
    const outcome = await link.write(Uint8Array.of(1, 2, 3)).then(() => 'written', (err: unknown) => err);
    // Either the write reached the kernel before the hangup was seen, or it failed with the disconnect: never pending.
    if (outcome !== 'written') expect(outcome).toMatchObject({ code: 'E_DISCONNECTED' });
    await expect(link.write(Uint8Array.of(4))).rejects.toMatchObject({ code: 'E_DISCONNECTED' });
  });

  it('closes cleanly while reconnecting: no attempt fires afterwards and iteration ends', async () => {
    const p = await pair();
    const link = await openSerialLink({ path: p.a, baudRate: 115200, reconnect: { initialDelayMs: 30 } });
    const ended = (async () => { for await (const _ of link) { /* nothing arrives */ } return 'ended'; })();
    const attempts: number[] = [];
    link.on('reconnecting', (e) => attempts.push(e.attempt));
    await p.stop();
    await expect.poll(() => attempts.length).toBeGreaterThanOrEqual(1);
    const closes: string[] = [];
    link.on('close', (e) => closes.push(e.reason));
    await link.close();
    await link.close(); // idempotent
    expect(closes).toEqual(['closed']);
    expect(await ended).toBe('ended');
    const seen = attempts.length;
    await p.start();
    await new Promise((r) => setTimeout(r, 200));
    expect(attempts.length).toBe(seen);
    expect(link.state).toBe('closed');
  });
});

describe('openSerialLink failures', () => {
  it('a missing path is E_NOT_FOUND with a hint, not a crash', async () => {
    const err = await openSerialLink({ path: '/dev/tinyedge-no-such-tty', baudRate: 9600 }).catch((e: unknown) => e);
    expect(isTinyEdgeError(err, 'E_NOT_FOUND')).toBe(true);
    expect((err as Error).message).toContain('/dev/tinyedge-no-such-tty');
    expect((err as { hint: string }).hint).toMatch(/tinyedge detect/);
  });

  it('a regular file is E_IO "not a serial device"; a directory is E_IO too', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tinyedge-serial-'));
    try {
      const file = join(dir, 'plain.txt');
      await writeFile(file, 'hello');
      await chmod(file, 0o666);
      await expect(openSerialLink({ path: file, baudRate: 9600 })).rejects.toMatchObject({ code: 'E_IO', message: expect.stringMatching(/not a serial device/) });
      await expect(openSerialLink({ path: dir, baudRate: 9600 })).rejects.toMatchObject({ code: 'E_IO', message: expect.stringMatching(/directory/) });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('bad options are TypeError / RangeError', async () => {
    await expect(openSerialLink({ path: '', baudRate: 9600 })).rejects.toBeInstanceOf(TypeError);
    await expect(openSerialLink({ path: '/dev/x', baudRate: 0 })).rejects.toBeInstanceOf(RangeError);
    await expect(openSerialLink({ path: '/dev/x', baudRate: 9600, framing: 'words' as 'raw' })).rejects.toBeInstanceOf(TypeError);
    await expect(openSerialLink({ path: '/dev/x', baudRate: 9600, reconnect: { factor: 0.5 } })).rejects.toBeInstanceOf(RangeError);
  });
});

describe('SerialLink over serialport\'s mock binding (the binding is an option)', () => {
  it('opens a mock port, and an echoing mock returns what was written as lines', async () => {
    const { SerialPortMock } = await import('serialport');
    const binding = SerialPortMock.binding as unknown as SerialBinding & { createPort(path: string, opt?: { echo?: boolean }): void; reset(): void };
    binding.createPort('/dev/MOCK0', { echo: true });
    try {
      const link = await openSerialLink({ path: '/dev/MOCK0', baudRate: 9600, framing: 'lines', binding });
      const line = new Promise<string>((resolve) => link.on('data', resolve));
      await link.write('ping\n');
      expect(await line).toBe('ping');
      await link.close();
      await expect(openSerialLink({ path: '/dev/NO-MOCK', baudRate: 9600, binding })).rejects.toMatchObject({ code: 'E_IO' });
    } finally {
      binding.reset();
    }
  });
});
