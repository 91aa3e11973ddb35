import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBoard } from '../src/hal/boards.js';
import type { LlamaConfig } from '../src/models/llama/config.js';
import { ENERGY_BADGE_BANDS, energyBadge } from '../src/power/energy-badge.js';
import { openPowerSampler } from '../src/power/open-power-sampler.js';
import type { PowerSampler } from '../src/power/power-sampler.js';
import { loadModel } from '../src/runtime/load-model.js';
import type { Model } from '../src/runtime/model.js';
import { createScriptedPowerSource } from '../src/testing/scripted-power-source.js';
import { createTinyLlamaBundle } from '../src/testing/create-tiny-llama-bundle.js';
import { createSimulatedBoard } from '../src/testing/simulated-board.js';

/** Slow on purpose with the fake runner (plain-TS forward), so budgets have time to act. */
const SLOW_CONFIG: LlamaConfig = { dim: 64, hiddenDim: 256, nLayers: 6, nHeads: 4, nKvHeads: 2, vocabSize: 512, seqLen: 512, sharedClassifier: false };

let native: Model;
let slow: Model;
const dirs: string[] = [];
const samplers: PowerSampler[] = [];

beforeAll(async () => {
  const tiny = await createTinyLlamaBundle({ seed: 4 });
  const big = await createTinyLlamaBundle({ seed: 9, config: SLOW_CONFIG });
  dirs.push(tiny.dir, big.dir);
  [native, slow] = await Promise.all([loadModel(tiny.dir), loadModel(big.dir, { runner: { kind: 'fake-llama', weights: big.weights } })]);
});

afterAll(async () => {
  await Promise.all(samplers.map((s) => s.close()));
  await Promise.all([native?.close(), slow?.close()]);
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function sampler(options: Parameters<typeof openPowerSampler>[0]): Promise<PowerSampler> {
  const s = await openPowerSampler(options);
  samplers.push(s);
  return s;
}

describe('sampler.meter(model)', () => {
  it('reports each inference of a real TFLite model: joules, watts, J/token, prefill and decode, flagged interpolated when shorter than a sample', async () => {
    const s = await sampler({ source: createScriptedPowerSource({ watts: 4 }), hz: 1 });
    await s.whenSampledPast(s.startedAt); // the first sample exists
    const meter = s.meter(native);
    const started: number[] = [];
    const offStart = native.on('inference:start', (e) => started.push(e.requestId));
    const next = meter.next();
    const result = await native.generate('Once upon a time', { maxTokens: 12, temperature: 0 }).result;
    const report = await next;
    offStart();
    meter.close();
    expect(report.requestId).toBe(started[0]);
    expect(report.model).toBe('tiny');
    expect(report.stopReason).toBe(result.stopReason);
    expect(report.generatedTokens).toBe(result.stats.generatedTokens);
    expect(report.promptTokens).toBe(result.stats.promptTokens);
    // Constant 4 W: energy is power times time, whatever the interpolation.
    expect(report.joules).toBeCloseTo((4 * report.durationMs) / 1000, 9);
    expect(report.avgW).toBeCloseTo(4, 9);
    expect(report.peakW).toBe(4);
    expect(report.joulesPerToken).toBeCloseTo(report.joules / report.generatedTokens, 12);
    expect(report.badge).toBe(energyBadge(report.joulesPerToken!));
    expect(report.prefill.ms + report.decode.ms).toBeCloseTo(report.durationMs, 9);
    expect(report.prefill.joules + report.decode.joules).toBeCloseTo(report.joules, 9);
    expect(report.prefill.ms).toBeGreaterThan(0);
    // At 1 Hz a generation this short has no sample inside: interpolated, and said so.
    expect(report.samples).toBeLessThan(2);
    expect(report.interpolated).toBe(true);
    expect(report).toMatchObject({ kind: 'measured', source: 'scripted', netJoules: null, idleW: null });
    expect(meter.last).toBe(report);
  });

  it('resolves a long generation with samples inside, and gives net energy above a baseline', async () => {
    const s = await sampler({ source: createScriptedPowerSource({ watts: (ms) => 3 + Math.sin(ms / 50) }), hz: 200 });
    s.setIdleBaseline(2.5);
    const meter = s.meter(slow);
    const reports: number[] = [];
    meter.on('report', (r) => reports.push(r.requestId));
    const next = meter.next();
    const result = await slow.generate('Once upon a time', { maxTokens: 40, temperature: 0 }).result;
    const report = await next;
    meter.close();
    expect(reports).toEqual([report.requestId]);
    expect(report.generatedTokens).toBe(result.stats.generatedTokens);
    expect(report.samples).toBeGreaterThanOrEqual(2);
    expect(report.decode.interpolated).toBe(false);
    const window = s.energy(report.startedAt, report.startedAt + report.durationMs)!;
    expect(report.joules).toBeCloseTo(window.joules, 12);
    expect(report.peakW).toBeGreaterThan(report.avgW);
    expect(report.peakW).toBeLessThanOrEqual(4 + 1e-9);
    expect(report.netJoules).toBeCloseTo(report.joules - (2.5 * report.durationMs) / 1000, 9);
    expect(report.decode.joulesPerToken).toBeCloseTo(report.decode.joules / (report.generatedTokens - 1), 12);
  });

  it('meters with the simulated board: the estimate from its CPU load, labelled estimated', async () => {
    const board = await createSimulatedBoard();
    board.setLoad(0.5); // 2 W idle + 0.5 x (6 W - 2 W) = 4 W
    const s = await sampler({ board: board.profile, sensors: board, hz: 20 });
    expect(s.source).toMatchObject({ id: 'estimate', kind: 'estimated' });
    await s.whenSampledPast(s.startedAt + 120);
    const meter = s.meter(native);
    const next = meter.next();
    await native.generate('Once upon a time', { maxTokens: 8, temperature: 0 }).result;
    const report = await next;
    meter.close();
    expect(report.kind).toBe('estimated');
    // 4 W, give or take the whole CPU ticks of /proc/stat over a 50 ms interval (20 ticks on 4 cores).
    expect(Math.abs(report.avgW - 4)).toBeLessThan(0.4);
    expect(report.joules).toBeCloseTo(s.energy(report.startedAt, report.startedAt + report.durationMs)!.joules, 12);
    expect(s.recent().every((x) => x.kind === 'estimated' && x.watts >= 2 && x.watts <= 6)).toBe(true);
  });
});

describe('generate(..., { budget })', () => {
  it('stops cleanly with energyBudget once the joules are spent', async () => {
    const s = await sampler({ source: createScriptedPowerSource({ watts: 40 }), hz: 100 });
    const meter = s.meter(slow);
    const next = meter.next();
    const generation = slow.generate('Once upon a time', { maxTokens: 400, temperature: 0, budget: { joules: 2 } });
    const result = await generation.result;
    const report = await next;
    meter.close();
    expect(result.stopReason).toBe('energyBudget');
    expect(result.stats.generatedTokens).toBeLessThan(400);
    expect(report.stopReason).toBe('energyBudget');
    expect(report.joules).toBeGreaterThanOrEqual(2);
  });

  it('stops with thermalBudget when the SoC zone is hotter than the limit, and not when it is cooler', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tinyedge-thermal-'));
    dirs.push(root);
    await mkdir(join(root, 'sys/class/thermal/thermal_zone0'), { recursive: true });
    await writeFile(join(root, 'sys/class/thermal/thermal_zone0/type'), 'cpu-thermal\n');
    await writeFile(join(root, 'sys/class/thermal/thermal_zone0/temp'), '85000\n');
    const board = await getBoard('simulated'); // labels cpu-thermal as the soc zone
    const s = await sampler({ source: createScriptedPowerSource({ watts: 3 }), hz: 50, root, board });
    const meter = s.meter(slow);
    const hot = await slow.generate('Once upon a time', { maxTokens: 400, temperature: 0, budget: { celsius: 80 } }).result;
    expect(hot.stopReason).toBe('thermalBudget');
    expect(hot.stats.generatedTokens).toBeLessThan(400);
    await writeFile(join(root, 'sys/class/thermal/thermal_zone0/temp'), '45000\n');
    const cool = await slow.generate('Once upon a time', { maxTokens: 5, temperature: 0, budget: { celsius: 80 } }).result;
    expect(cool.stopReason).toBe('maxTokens');
    meter.close();
  });

  it('refuses a budget with no meter attached, and a malformed budget', () => {
    expect(() => native.generate('x', { budget: { joules: 1 } })).toThrow(/power meter/);
    expect(() => native.generate('x', { budget: { joules: -1 } })).toThrow(RangeError);
    expect(() => native.generate('x', { budget: {} })).toThrow(TypeError);
  });
});

describe('energyBadge', () => {
  it('maps joules per token onto half-decade bands from A to G', () => {
    expect(energyBadge(0)).toBe('A');
    expect(energyBadge(0.01)).toBe('A');
    expect(energyBadge(0.0101)).toBe('B');
    expect(energyBadge(0.05)).toBe('C');
    expect(energyBadge(0.2)).toBe('D');
    expect(energyBadge(0.5)).toBe('E');
    expect(energyBadge(2)).toBe('F'); // a 3B model on a Pi 5 CPU: about 4.5 tokens/s at about 9 W
    expect(energyBadge(50)).toBe('G');
    expect(ENERGY_BADGE_BANDS.map((b) => b.badge).join('')).toBe('ABCDEFG');
    for (let i = 1; i < ENERGY_BADGE_BANDS.length - 1; i++) {
      const ratio = ENERGY_BADGE_BANDS[i]!.maxJoulesPerToken / ENERGY_BADGE_BANDS[i - 1]!.maxJoulesPerToken;
      expect(ratio).toBeCloseTo(Math.sqrt(10), 1);
    }
    expect(() => energyBadge(-1)).toThrow(RangeError);
    expect(() => energyBadge(Number.NaN)).toThrow(RangeError);
  });
});
