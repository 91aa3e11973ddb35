import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { openPowerSampler } from '../src/power/open-power-sampler.js';
import type { PowerSampler } from '../src/power/power-sampler.js';
import { parseMeterLine, parseUmFrame, UM_FRAME_BYTES } from '../src/power/serial-meter-protocol.js';
import { createPtyPair, openPtyPeer, socatAvailable } from './support/socat.js';
import type { PtyPair, PtyPeer } from './support/socat.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A UM25C frame as the meter sends it: big-endian, voltage in mV, current in 0.1 mA, power in mW. */
function um25cFrame(volts: number, amps: number): Uint8Array {
  const frame = new Uint8Array(UM_FRAME_BYTES);
  const view = new DataView(frame.buffer);
  view.setUint16(0, 0x09c9);
  view.setUint16(2, Math.round(volts * 1000));
  view.setUint16(4, Math.round(amps * 10000));
  view.setUint32(6, Math.round(volts * amps * 1000));
  view.setUint16(10, 31);
  view.setUint16(128, 0xfff1);
  return frame;
}

/** Resolve once `check` holds, polling every 10 ms. */
async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('serial meter protocols', () => {
  it('parses the text line protocol and the Adafruit INA219 example lines', () => {
    expect(parseMeterLine('mV=5012 mA=498\n')).toBeCloseTo(5.012 * 0.498, 12);
    expect(parseMeterLine('t=1200,W=2.51')).toBe(2.51);
    expect(parseMeterLine('uW=2500000;V=5')).toBe(2.5);
    expect(parseMeterLine('V=5.1 A=-0.5\r\n')).toBeCloseTo(2.55, 12);
    expect(parseMeterLine('Power:         2496.00 mW')).toBeCloseTo(2.496, 12);
    expect(parseMeterLine('Bus Voltage:   5.01 V')).toBeNull();
    expect(parseMeterLine('# tinyedge meter v1')).toBeNull();
    expect(parseMeterLine('mV=5000')).toBeNull();
    expect(parseMeterLine('')).toBeNull();
  });

  it('decodes UM frames, with the UM25C\'s finer steps', () => {
    const r = parseUmFrame(um25cFrame(5.123, 0.4567), 'um25c');
    expect(r.volts).toBeCloseTo(5.123, 9);
    expect(r.amps).toBeCloseTo(0.4567, 9);
    expect(r.watts).toBeCloseTo(2.34, 3);
    expect(r.celsius).toBe(31);
    expect(() => parseUmFrame(new Uint8Array(10), 'um24c')).toThrow(RangeError);
  });
});

describe.skipIf(!socatAvailable())('a serial meter behind a real pty pair', () => {
  async function pair(): Promise<PtyPair> {
    const p = await createPtyPair();
    cleanup.push(() => p.close());
    return p;
  }
  async function peer(path: string): Promise<PtyPeer> {
    const d = await openPtyPeer(path);
    cleanup.push(() => d.close());
    return d;
  }
  async function sampler(options: Parameters<typeof openPowerSampler>[0]): Promise<PowerSampler> {
    const s = await openPowerSampler(options);
    cleanup.push(() => s.close());
    return s;
  }

  it('reads text lines, counts errors while the meter is unplugged, and recovers when it is back', async () => {
    const p = await pair();
    let device = await peer(p.b);
    const s = await sampler({ source: `serial:${p.a}`, hz: 20 });
    expect(s.source).toMatchObject({ id: `serial:${p.a}`, kind: 'measured', boundary: 'board-input' });
    let watts = 2.5;
    let writing = true;
    const feed = async (): Promise<void> => {
      while (writing) {
        if (!device.ended) await device.write(`# banner\nmV=5000 mA=${watts * 200}\n`).catch(() => undefined);
        await sleep(40);
      }
    };
    const feeding = feed();
    cleanup.push(async () => {
      writing = false;
      await feeding;
    });
    await until(() => s.latest()?.watts === 2.5, 'the first reading');
    const errorsBefore = s.errors;

    const recovered: number[] = [];
    s.on('recovered', (e) => recovered.push(e.afterErrors));
    await p.stop(); // unplugged mid-run
    await until(() => s.errors >= errorsBefore + 3, 'read errors while unplugged');
    const samplesWhileOut = s.samples;
    await sleep(150);
    expect(s.samples).toBe(samplesWhileOut); // nothing is sampled from a meter that is not there
    expect(s.lastError?.code).toBe('E_SENSOR');

    await device.close();
    watts = 3.75;
    await p.start(); // plugged back in
    device = await peer(p.b);
    await until(() => s.latest()?.watts === 3.75, 'readings after the meter came back', 10_000);
    expect(recovered.length).toBe(1);
    expect(recovered[0]).toBeGreaterThanOrEqual(3);
    const samples = s.recent();
    expect(samples.some((x) => x.watts === 2.5)).toBe(true);
    expect(samples.at(-1)!.watts).toBe(3.75);
  });

  it('polls a UM25C with 0xF0 and reads the power from its 130-byte frame', async () => {
    const p = await pair();
    const device = await peer(p.b);
    let answered = 0;
    let running = true;
    const answer = async (): Promise<void> => {
      while (running) {
        const requests = [...device.received()].filter((b) => b === 0xf0).length;
        if (requests > answered) {
          answered = requests;
          await device.write(um25cFrame(5.05, 0.5)).catch(() => undefined);
        }
        await sleep(10);
      }
    };
    const answering = answer();
    cleanup.push(async () => {
      running = false;
      await answering;
    });
    const s = await sampler({ source: `serial:${p.a},protocol=um25c,baud=9600`, hz: 10 });
    await until(() => s.latest() !== null, 'a UM frame');
    expect(s.latest()!.watts).toBeCloseTo(2.525, 3);
    expect(answered).toBeGreaterThanOrEqual(1);
  });
});
