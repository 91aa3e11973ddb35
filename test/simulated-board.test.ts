// The simulated board (tinyedge/testing): one contract with the real readers
// (its state written as a sysfs tree reads back identically through them),
// plausible scripted dynamics, and an activity LED that blinks while a real
// TFLite model infers.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blinkWhileInferring } from '../src/hal/activity-led.js';
import { createBoardSensors } from '../src/hal/board-sensors.js';
import type { BoardSensors } from '../src/hal/board-sensors.js';
import { detectBoard } from '../src/hal/detect.js';
import { listPowerSources } from '../src/hal/power-sources.js';
import { loadModel } from '../src/runtime/load-model.js';
import { createSimulatedBoard, createTinyLlamaBundle, DEFAULT_SIMULATED_SCRIPT } from '../src/testing/index.js';
import type { SimulatedBoard } from '../src/testing/index.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tinyedge-simulated-'));
});
afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

/** Every reading a BoardSensors gives, in one object. */
async function readAll(sensors: BoardSensors, cpu: ReturnType<BoardSensors['createCpuUtilisation']>): Promise<unknown> {
  return {
    thermal: await sensors.readThermalZones(),
    cpufreq: await sensors.readCpuFrequencies(),
    memory: await sensors.readMemory(),
    load: await sensors.readLoadAverage(),
    throttling: await sensors.readThrottling(),
    leds: (await sensors.readLeds()).map(({ triggers: _, ...led }) => led),
    utilisation: await cpu.sample(),
  };
}

describe('simulated board and the real readers agree (one contract)', () => {
  it('reads identically in memory and through a written tree, at every point of the script', async () => {
    const board = await createSimulatedBoard({ clock: 'virtual' });
    const simCpu = board.createCpuUtilisation();
    const root = join(dir, 'tree');
    const real = createBoardSensors({ root, board: board.profile });
    const realCpu = real.createCpuUtilisation();
    const steps = [0, 12_000, 23_000, 20_000, 9_000, 1_000];
    for (const [i, ms] of steps.entries()) {
      board.advance(ms);
      if (i === steps.length - 1) {
        board.setLoad(1);
        board.advance(120_000);
        await board.setLed('ACT', { trigger: 'none', brightness: 1 });
      }
      await board.writeTree(root);
      const fromTree = await readAll(real, realCpu);
      expect(await readAll(board, simCpu)).toEqual(fromTree);
    }
    const detected = await detectBoard({ root, boardsDir: [] });
    expect([detected.profile.id, detected.matchedBy]).toEqual(['simulated', 'device-tree-model']);
    expect(detected.memoryMB).toBe(board.detected.memoryMB);
    expect(detected.cores).toBe(board.detected.cores);
    expect((await listPowerSources({ root, board: board.profile })).map((s) => s.id)).toEqual(['estimate']);
  });
});

describe('simulated dynamics', () => {
  let board: SimulatedBoard;
  beforeAll(async () => {
    board = await createSimulatedBoard({ clock: 'virtual' });
  });

  it('follows the default script: idle, busy, light, repeated', () => {
    const at = (ms: number): number => {
      board.advance(ms);
      return board.currentLoad();
    };
    expect(DEFAULT_SIMULATED_SCRIPT.map((p) => p.load)).toEqual([0.05, 1, 0.35]);
    expect(at(0)).toBe(0.05);
    expect(at(25_000)).toBe(1);
    expect(at(30_000)).toBe(0.35);
    expect(at(10_000)).toBe(0.05); // 65 s: the second cycle
    expect(board.elapsedMs()).toBe(65_000);
  });

  it('heats under load, cools when idle, and throttles at 80 °C with sticky since-boot bits', async () => {
    const b = await createSimulatedBoard({ clock: 'virtual', script: [{ durationMs: 1000, load: 0 }] });
    const celsius = async (): Promise<number> => (await b.readThermalZones())[0]?.celsius ?? NaN;
    const idle = await celsius();
    expect(idle).toBeGreaterThan(29);
    expect(idle).toBeLessThan(31);
    b.setLoad(1);
    const series: number[] = [];
    for (let i = 0; i < 6; i++) {
      b.advance(10_000);
      series.push(await celsius());
    }
    for (let i = 1; i < series.length; i++) expect(series[i]).toBeGreaterThan((series[i - 1] ?? 0) - 0.6); // rises, up to the ±0.25 ripple
    expect(series[0]).toBeLessThan(60);
    expect(series.at(-1)).toBeGreaterThan(80);
    const hot = await b.readThrottling();
    expect(hot?.now).toMatchObject({ throttled: true, frequencyCapped: true, underVoltage: false });
    expect((await b.readCpuFrequencies())[0]?.curMHz).toBe(1440);
    expect(b.readWatts()).toBe(b.profile.power.loadW);
    expect((await b.readLoadAverage()).one).toBeGreaterThan(2.5);
    b.setLoad(0);
    b.advance(120_000);
    expect(await celsius()).toBeLessThan(40);
    const cooled = await b.readThrottling();
    expect(cooled?.now.throttled).toBe(false);
    expect(cooled?.sinceBoot).toMatchObject({ throttled: true, frequencyCapped: true });
    expect((await b.readCpuFrequencies())[0]?.curMHz).toBe(600);
    expect(b.readWatts()).toBe(b.profile.power.idleW);
  });

  it('measures the scripted load as CPU utilisation', async () => {
    const b = await createSimulatedBoard({ clock: 'virtual', script: [{ durationMs: 10_000, load: 0.25 }, { durationMs: 10_000, load: 0.75 }] });
    const cpu = b.createCpuUtilisation();
    await cpu.sample();
    b.advance(10_000);
    expect(await cpu.sample()).toBeCloseTo(0.25, 2);
    b.advance(10_000);
    expect(await cpu.sample()).toBeCloseTo(0.75, 2);
  });

  it('takes any clock function', async () => {
    let now = 1_000_000;
    const b = await createSimulatedBoard({ clock: () => now, script: [{ durationMs: 5000, load: 0.1 }, { durationMs: 5000, load: 0.9 }] });
    expect(b.currentLoad()).toBe(0.1);
    now += 6000;
    expect(b.currentLoad()).toBe(0.9);
    expect(() => b.advance(1)).toThrow(TypeError);
  });

  it('rejects bad scripts and loads', async () => {
    await expect(createSimulatedBoard({ script: [] })).rejects.toThrow(RangeError);
    await expect(createSimulatedBoard({ script: [{ durationMs: 0, load: 0.5 }] })).rejects.toThrow(RangeError);
    await expect(createSimulatedBoard({ script: [{ durationMs: 10, load: 1.5 }] })).rejects.toThrow(RangeError);
    expect(() => board.setLoad(-0.1)).toThrow(RangeError);
    await expect(board.setLed('nope', { brightness: 1 })).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    await expect(board.setLed('ACT', { trigger: 'disco' })).rejects.toMatchObject({ code: 'E_IO' });
  });
});

describe('activity LED on the simulated board while a real model infers', () => {
  it('blinks ACT from inference:start to inference:end, then gives it back to mmc0', async () => {
    const board = await createSimulatedBoard({ clock: 'virtual' });
    const bundle = await createTinyLlamaBundle({ seed: 3, dir: join(dir, 'bundle') });
    await using model = await loadModel(bundle.dir);
    const blinker = await blinkWhileInferring(model, { sensors: board, board: board.profile, intervalMs: 10 });
    expect(blinker.led).toBe('ACT');
    const { stats } = await model.generate('Once', { maxTokens: 8, temperature: 0 }).result;
    expect(stats.generatedTokens).toBeGreaterThan(0);
    await blinker.close();
    const writes = board.ledWrites.filter((w) => w.name === 'ACT');
    expect(writes[0]).toMatchObject({ trigger: 'mmc0' }); // the up-front writability probe
    expect(writes[1]).toMatchObject({ trigger: 'none', brightness: 1 }); // inference:start: LED on
    expect(writes.at(-1)).toMatchObject({ trigger: 'mmc0' }); // inference:end: trigger restored
    const act = (await board.readLeds()).find((l) => l.name === 'ACT');
    expect(act?.trigger).toBe('mmc0');
  });
});
