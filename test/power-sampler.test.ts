import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { TinyEdgeError } from '../src/errors.js';
import { openPowerSampler } from '../src/power/open-power-sampler.js';
import type { PowerSampler } from '../src/power/power-sampler.js';
import type { PowerSample } from '../src/power/power-sample.js';
import type { PowerReading, PowerSource } from '../src/power/power-source.js';
import { createScriptedPowerSource } from '../src/testing/scripted-power-source.js';

const open: PowerSampler[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function sampler(options: Parameters<typeof openPowerSampler>[0]): Promise<PowerSampler> {
  const s = await openPowerSampler(options);
  open.push(s);
  return s;
}

/** The trapezoid rule over samples, written out by hand. */
function trapezoid(samples: PowerSample[]): number {
  let joules = 0;
  for (let i = 1; i < samples.length; i++) {
    joules += ((samples[i - 1]!.watts + samples[i]!.watts) / 2) * ((samples[i]!.t - samples[i - 1]!.t) / 1000);
  }
  return joules;
}

describe('openPowerSampler with a scripted source', () => {
  it('integrates a ramp by the trapezoid rule, exactly as a hand computation over the same samples', async () => {
    // 2 W rising by 1 W per second: the trapezoid rule is exact for a straight line.
    const source = createScriptedPowerSource({ watts: (ms) => 2 + ms / 1000 });
    const s = await sampler({ source, hz: 50 });
    expect(s.source).toMatchObject({ id: 'scripted', kind: 'measured' });
    await s.whenSampledPast(s.startedAt + 600);
    const samples = s.recent();
    expect(samples.length).toBeGreaterThanOrEqual(10);
    expect(samples.every((x) => x.kind === 'measured')).toBe(true);
    const summary = s.summary();
    expect(summary.samples).toBe(samples.length);
    expect(summary.energyJ).toBeGreaterThan(1);
    expect(summary.energyJ).toBeCloseTo(trapezoid(samples), 9);
    // A window between samples: interpolation at both ends, against the closed form of the ramp.
    const first = samples[0]!;
    const last = samples.at(-1)!;
    const a = first.t + 0.37 * (samples[1]!.t - first.t);
    const b = last.t - 0.61 * (last.t - samples.at(-2)!.t);
    const wattsAt = (t: number): number => first.watts + (t - first.t) / 1000; // the samples lie on the ramp
    const exact = (((wattsAt(a) + wattsAt(b)) / 2) * (b - a)) / 1000;
    const w = s.energy(a, b)!;
    expect(w.joules).toBeCloseTo(exact, 3);
    expect(w.avgW).toBeCloseTo(exact / ((b - a) / 1000), 2);
    expect(w.peakW).toBeCloseTo(wattsAt(b), 2);
    expect(w.interpolated).toBe(false);
  });

  it('keeps time on a schedule from the start: ticks run plus ticks skipped cover the elapsed time', async () => {
    const s = await sampler({ source: createScriptedPowerSource({ watts: 1 }), hz: 100 });
    await sleep(500);
    const elapsedTicks = (performance.now() - s.startedAt) / s.intervalMs;
    const { ticks, missedTicks, latenessMs } = s.timing();
    // Drift would show as fewer ticks than the clock allows; skipped ticks are counted, never run late in a burst.
    expect(ticks + missedTicks).toBeGreaterThanOrEqual(Math.floor(elapsedTicks) - 1);
    expect(ticks + missedTicks).toBeLessThanOrEqual(Math.ceil(elapsedTicks) + 1);
    expect(latenessMs.p50).toBeGreaterThanOrEqual(0);
    expect(latenessMs.max).toBeGreaterThanOrEqual(latenessMs.p99);
  });

  it('bounds the ring buffer but keeps the totals', async () => {
    const s = await sampler({ source: createScriptedPowerSource({ watts: 3 }), hz: 50, bufferSeconds: 0.2 });
    await s.whenSampledPast(s.startedAt + 500);
    expect(s.samples).toBeGreaterThan(10);
    expect(s.recent().length).toBe(10);
    const summary = s.summary();
    expect(summary.energyJ).toBeCloseTo(3 * summary.durationS, 9);
    expect(summary.avgW).toBeCloseTo(3, 9);
    expect(summary.peakW).toBe(3);
  });

  it('counts sensor errors, carries on, reports the recovery and flags windows across the gap', async () => {
    const source = createScriptedPowerSource({ watts: 2, failWhen: (ms) => ms > 150 && ms < 400 });
    const s = await sampler({ source, hz: 50 });
    const errors: number[] = [];
    const recovered: number[] = [];
    s.on('sensor-error', (e) => {
      expect(e.error).toBeInstanceOf(TinyEdgeError);
      errors.push(e.consecutive);
    });
    s.on('recovered', (e) => recovered.push(e.afterErrors));
    await s.whenSampledPast(s.startedAt + 700);
    expect(s.errors).toBeGreaterThan(3);
    expect(errors[0]).toBe(1);
    expect(recovered).toEqual([s.errors]);
    expect(s.lastError?.code).toBe('E_SENSOR');
    const samples = s.recent();
    const gapStart = samples.findIndex((x, i) => i > 0 && x.t - samples[i - 1]!.t > 100);
    expect(gapStart).toBeGreaterThan(0);
    const across = s.energy(samples[gapStart - 1]!.t - 5, samples[gapStart]!.t + 5)!;
    expect(across.interpolated).toBe(true);
    expect(across.joules).toBeCloseTo(2 * (samples[gapStart]!.t - samples[gapStart - 1]!.t + 10) / 1000, 6);
    const before = s.energy(samples[1]!.t, samples[gapStart - 2]!.t)!;
    expect(before.interpolated).toBe(false);
  });

  it('uses an energy counter as it is: the energy between reads is the counter difference', async () => {
    let joules = 100; // a counter that does not start at zero
    let reads = 0;
    const counter: PowerSource = {
      id: 'counter', kind: 'measured', label: 'test counter', boundary: 'board-input',
      async read(): Promise<PowerReading> {
        reads++;
        joules += reads % 2 === 0 ? 0.5 : 0.1; // uneven steps: a trapezoid would smear them
        return { type: 'energy', joules };
      },
      close: async () => undefined,
    };
    const s = await sampler({ source: counter, hz: 50 });
    await s.whenSampledPast(s.startedAt + 300);
    const n = reads;
    const summary = s.summary();
    // Every read after the first adds to the total: 0.5 for even reads, 0.1 for odd ones (read 1 is the base).
    let expected = 0;
    for (let r = 2; r <= n; r++) expected += r % 2 === 0 ? 0.5 : 0.1;
    expect(summary.samples).toBe(n);
    expect(summary.energyJ).toBeCloseTo(expected, 9);
  });

  it('measures an idle baseline on request', async () => {
    const s = await sampler({ source: createScriptedPowerSource({ watts: 1.75 }), hz: 50 });
    expect(s.idleW).toBeNull();
    expect(await s.measureIdle({ durationMs: 200 })).toBeCloseTo(1.75, 9);
    expect(s.idleW).toBeCloseTo(1.75, 9);
    s.setIdleBaseline(null);
    expect(s.idleW).toBeNull();
    expect(() => s.setIdleBaseline(-1)).toThrow(RangeError);
  });

  it('rejects bad options and bad sources', async () => {
    await expect(openPowerSampler({ hz: 0, source: createScriptedPowerSource({ watts: 1 }) })).rejects.toThrow(RangeError);
    await expect(openPowerSampler({ hz: 5000, source: createScriptedPowerSource({ watts: 1 }) })).rejects.toThrow(RangeError);
    await expect(openPowerSampler({ source: { id: '', kind: 'measured' } as unknown as PowerSource })).rejects.toThrow(TypeError);
    await expect(openPowerSampler({ source: 'nonsense' as 'auto' })).rejects.toThrow(RangeError);
  });

  it('treats a negative reading as a sensor error, and closes its source once', async () => {
    const source = createScriptedPowerSource({ watts: -1 });
    const s = await sampler({ source, hz: 50 });
    await sleep(100);
    expect(s.samples).toBe(0);
    expect(s.errors).toBeGreaterThan(0);
    await s.close();
    await s.close();
    expect(source.closed).toBe(true);
    expect(await s.whenSampledPast(performance.now() + 1000)).toBe(false);
  });
});
