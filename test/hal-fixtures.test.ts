// Detection and every HAL reader on the fixture tree of every shipped board
// (test/fixtures/boards/<id>/, built from documented facts; see its README),
// and detection on this machine.
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SHIPPED_BOARD_IDS } from '../src/hal/board-ids.js';
import type { ShippedBoardId } from '../src/hal/board-ids.js';
import { createBoardSensors } from '../src/hal/board-sensors.js';
import { detectBoard } from '../src/hal/detect.js';
import type { BoardMatchRule } from '../src/hal/detect.js';
import { listPowerSources } from '../src/hal/power-sources.js';
import type { PiRevision } from '../src/hal/pi-revision.js';

const fixture = (id: string): string => fileURLToPath(new URL(`./fixtures/boards/${id}/`, import.meta.url));

interface Expected {
  matchedBy: BoardMatchRule;
  arch: 'arm64' | 'arm' | 'x64';
  memoryMB: number;
  cores: number;
  deviceTreeModel?: string;
  pi?: Partial<PiRevision>;
  utilisation: number;
  thermal: Array<[type: string, celsius: number, label?: string]>;
  cpufreq: Array<[policy: string, cpus: number[], curMHz: number, minMHz: number, maxMHz: number, governor: string]>;
  memory: { totalMB: number; availableMB: number };
  load: [number, number, number];
  leds: Array<[name: string, trigger: string, brightness: number, max: number]>;
  power: string[];
  throttling: null | { source: string; raw: number | null; now: Record<string, boolean | null>; sinceBoot?: Record<string, boolean | null> };
}

const NO_THROTTLE = { underVoltage: false, frequencyCapped: false, throttled: false, softTemperatureLimit: false };
const RPI_VOLT = (uv: boolean) => ({ source: 'rpi_volt', raw: null, now: { underVoltage: uv, frequencyCapped: null, throttled: null, softTemperatureLimit: null } });
const PI_LEDS: Expected['leds'] = [['ACT', 'mmc0', 0, 255], ['PWR', 'default-on', 255, 255]];

const EXPECTED: Record<ShippedBoardId, Expected> = {
  'raspberry-pi-zero-2-w': {
    matchedBy: 'pi-revision', arch: 'arm64', memoryMB: 417, cores: 4, deviceTreeModel: 'Raspberry Pi Zero 2 W Rev 1.0',
    pi: { code: '902120', type: 0x12, typeName: 'Zero 2 W', memoryMB: 512, processor: 'BCM2837', manufacturer: 'Sony UK', boardRevision: '1.0' },
    utilisation: 0.1, thermal: [['cpu-thermal', 51.54, 'soc']], cpufreq: [['policy0', [0, 1, 2, 3], 1000, 600, 1000, 'ondemand']],
    memory: { totalMB: 417.2, availableMB: 311.3 }, load: [0.42, 0.31, 0.25], leds: [['ACT', 'mmc0', 0, 255]], power: ['estimate'],
    throttling: RPI_VOLT(true),
  },
  'raspberry-pi-3-b-plus': {
    matchedBy: 'pi-revision', arch: 'arm64', memoryMB: 923, cores: 4, deviceTreeModel: 'Raspberry Pi 3 Model B Plus Rev 1.3',
    pi: { code: 'a020d3', type: 0x0d, typeName: '3B+', memoryMB: 1024, processor: 'BCM2837', boardRevision: '1.3' },
    utilisation: 0.2, thermal: [['cpu-thermal', 62.3, 'soc']], cpufreq: [['policy0', [0, 1, 2, 3], 1200, 600, 1400, 'ondemand']],
    memory: { totalMB: 923.4, availableMB: 695.4 }, load: [1.85, 1.4, 0.96], leds: [['led0', 'mmc0', 0, 255], ['led1', 'input', 255, 255]], power: ['estimate'],
    throttling: { source: 'sysfs', raw: 0x80008, now: { ...NO_THROTTLE, softTemperatureLimit: true }, sinceBoot: { ...NO_THROTTLE, softTemperatureLimit: true } },
  },
  'raspberry-pi-4-b': {
    matchedBy: 'pi-revision', arch: 'arm64', memoryMB: 3885, cores: 4, deviceTreeModel: 'Raspberry Pi 4 Model B Rev 1.5',
    pi: { code: 'c03115', type: 0x11, typeName: '4B', memoryMB: 4096, processor: 'BCM2711', boardRevision: '1.5' },
    utilisation: 0.075, thermal: [['cpu-thermal', 45.277, 'soc']], cpufreq: [['policy0', [0, 1, 2, 3], 600, 600, 1800, 'ondemand']],
    memory: { totalMB: 3885.4, availableMB: 3439.9 }, load: [0.08, 0.12, 0.09], leds: PI_LEDS, power: ['hwmon:ina219', 'estimate'],
    throttling: RPI_VOLT(false),
  },
  'raspberry-pi-5': {
    matchedBy: 'pi-revision', arch: 'arm64', memoryMB: 8052, cores: 4, deviceTreeModel: 'Raspberry Pi 5 Model B Rev 1.0',
    pi: { code: 'd04170', type: 0x17, typeName: '5', memoryMB: 8192, processor: 'BCM2712', boardRevision: '1.0', warrantyVoid: false },
    utilisation: 0.2, thermal: [['cpu-thermal', 55.65, 'soc']], cpufreq: [['policy0', [0, 1, 2, 3], 2400, 1500, 2400, 'ondemand']],
    memory: { totalMB: 8052.4, availableMB: 7521.7 }, load: [0.97, 0.66, 0.41], leds: [['ACT', 'mmc0', 0, 255], ['PWR', 'none', 0, 255]],
    power: ['pmic', 'estimate'], throttling: RPI_VOLT(false),
  },
  'raspberry-pi-cm4': {
    matchedBy: 'pi-revision', arch: 'arm64', memoryMB: 3885, cores: 4, deviceTreeModel: 'Raspberry Pi Compute Module 4 Rev 1.0',
    pi: { code: 'c03140', type: 0x14, typeName: 'CM4', memoryMB: 4096, processor: 'BCM2711' },
    utilisation: 0.12, thermal: [['cpu-thermal', 49.66, 'soc']], cpufreq: [['policy0', [0, 1, 2, 3], 1500, 600, 1500, 'ondemand']],
    memory: { totalMB: 3885.4, availableMB: 3555.2 }, load: [0.3, 0.22, 0.18], leds: PI_LEDS, power: ['estimate'],
    throttling: { source: 'sysfs', raw: 0, now: NO_THROTTLE, sinceBoot: NO_THROTTLE },
  },
  'nvidia-jetson-nano': {
    matchedBy: 'device-tree-model', arch: 'arm64', memoryMB: 3965, cores: 4, deviceTreeModel: 'NVIDIA Jetson Nano Developer Kit',
    utilisation: 0.4,
    thermal: [['AO-therm', 36.5, 'always-on'], ['CPU-therm', 38, 'cpu'], ['GPU-therm', 36, 'gpu'], ['PLL-therm', 35.5, 'pll'], ['PMIC-Die', 100, 'pmic'], ['thermal-fan-est', 37.1]],
    cpufreq: [['policy0', [0, 1, 2, 3], 1479, 102, 1479, 'schedutil']],
    memory: { totalMB: 3964.6, availableMB: 2940 }, load: [2.61, 2.1, 1.72], leds: [], power: ['hwmon:ina3221', 'estimate'], throttling: null,
  },
  'beaglebone-black': {
    matchedBy: 'device-tree-model', arch: 'arm', memoryMB: 485, cores: 1, deviceTreeModel: 'TI AM335x BeagleBone Black',
    utilisation: 0.2, thermal: [], cpufreq: [['policy0', [0], 1000, 300, 1000, 'performance']],
    memory: { totalMB: 485.2, availableMB: 391.7 }, load: [0.65, 0.52, 0.47],
    leds: [['beaglebone:green:usr0', 'heartbeat', 0, 255], ['beaglebone:green:usr1', 'mmc0', 0, 255], ['beaglebone:green:usr2', 'cpu0', 0, 255], ['beaglebone:green:usr3', 'mmc1', 0, 255]],
    power: ['estimate'], throttling: null,
  },
  'orange-pi-5': {
    matchedBy: 'device-tree-model', arch: 'arm64', memoryMB: 7739, cores: 8, deviceTreeModel: 'Xunlong Orange Pi 5',
    utilisation: 0.2,
    thermal: [['soc-thermal', 47.23, 'soc'], ['bigcore0-thermal', 48.15, 'big-cores-0'], ['bigcore1-thermal', 48.15, 'big-cores-1'],
      ['littlecore-thermal', 46.3, 'little-cores'], ['center-thermal', 46.3, 'center'], ['gpu-thermal', 45.4, 'gpu'], ['npu-thermal', 46.3, 'npu']],
    cpufreq: [['policy0', [0, 1, 2, 3], 1800, 408, 1800, 'schedutil'], ['policy4', [4, 5], 2256, 408, 2400, 'schedutil'], ['policy6', [6, 7], 2256, 408, 2400, 'schedutil']],
    memory: { totalMB: 7738.7, availableMB: 7140.4 }, load: [3.9, 3.12, 2.04], leds: [['green:status', 'heartbeat', 255, 255]], power: ['estimate'], throttling: null,
  },
  'coral-dev-board': {
    matchedBy: 'device-tree-model', arch: 'arm64', memoryMB: 992, cores: 4, deviceTreeModel: 'Freescale i.MX8MQ Phanbell',
    utilisation: 0.1, thermal: [['cpu-thermal', 47, 'soc']], cpufreq: [['policy0', [0, 1, 2, 3], 1000, 1000, 1500, 'ondemand']],
    memory: { totalMB: 992.1, availableMB: 673.8 }, load: [0.51, 0.44, 0.4], leds: [], power: ['estimate'], throttling: null,
  },
  'generic-linux-x64': {
    matchedBy: 'fallback-arch', arch: 'x64', memoryMB: 15716, cores: 4,
    utilisation: 0.25, thermal: [['acpitz', 27.8, 'acpi'], ['x86_pkg_temp', 41, 'package']],
    cpufreq: [0, 1, 2, 3].map((i) => [`policy${i}`, [i], 1200 + i * 100, 700, 3400, 'powersave'] as Expected['cpufreq'][number]),
    memory: { totalMB: 15716, availableMB: 14172.2 }, load: [0.73, 0.58, 0.49], leds: [['input3::capslock', 'kbd-capslock', 0, 1]],
    power: ['rapl:package-0', 'battery:BAT0', 'estimate'], throttling: null,
  },
  'generic-linux-arm64': {
    matchedBy: 'fallback-arch', arch: 'arm64', memoryMB: 3878, cores: 6, deviceTreeModel: 'Pine64 RockPro64 v2.1',
    utilisation: 0.1, thermal: [['cpu-thermal', 40.555], ['gpu-thermal', 39.444]],
    cpufreq: [['policy0', [0, 1, 2, 3], 408, 408, 1416, 'schedutil'], ['policy4', [4, 5], 408, 408, 1800, 'schedutil']],
    memory: { totalMB: 3878.1, availableMB: 3472.8 }, load: [0.2, 0.18, 0.15], leds: [], power: ['estimate'], throttling: null,
  },
  'generic-linux-arm': {
    matchedBy: 'fallback-arch', arch: 'arm', memoryMB: 999, cores: 4, deviceTreeModel: 'Xunlong Orange Pi PC',
    utilisation: 0.1, thermal: [['cpu-thermal', 43.5]], cpufreq: [['policy0', [0, 1, 2, 3], 480, 480, 1200, 'schedutil']],
    memory: { totalMB: 998.7, availableMB: 841 }, load: [0.05, 0.09, 0.08],
    leds: [['orangepi:green:pwr', 'default-on', 255, 255], ['orangepi:red:status', 'none', 0, 255]], power: ['estimate'], throttling: null,
  },
  simulated: {
    matchedBy: 'device-tree-model', arch: 'arm64', memoryMB: 3884, cores: 4, deviceTreeModel: 'tinyedge simulated board',
    utilisation: 6400 / 14000, thermal: [['cpu-thermal', 59.832, 'soc']], cpufreq: [['policy0', [0, 1, 2, 3], 1800, 600, 1800, 'ondemand']],
    memory: { totalMB: 3884, availableMB: 3284 }, load: [0.93, 0.21, 0.07], leds: [['ACT', 'mmc0', 0, 1], ['PWR', 'default-on', 1, 1]],
    power: ['estimate'], throttling: { source: 'sysfs', raw: 0, now: NO_THROTTLE, sinceBoot: NO_THROTTLE },
  },
};

describe.each(SHIPPED_BOARD_IDS.map((id) => [id, EXPECTED[id]] as const))('fixture %s', (id, want) => {
  const root = fixture(id);

  it('is detected as this board, by the expected rule', async () => {
    const board = await detectBoard({ root, boardsDir: [] });
    expect(board.profile.id).toBe(id);
    expect(board.matchedBy).toBe(want.matchedBy);
    expect(board.arch).toBe(want.arch);
    expect(board.memoryMB).toBe(want.memoryMB);
    expect(board.cores).toBe(want.cores);
    expect(board.deviceTreeModel).toBe(want.deviceTreeModel);
    if (want.pi === undefined) {
      expect(board.piRevision).toBeUndefined();
    } else {
      expect(board.piRevision).toMatchObject({ newStyle: true, ...want.pi });
      expect(board.matchDetail).toContain(`Revision ${want.pi.code}`);
    }
  });

  it('gives the expected sensor readings', async () => {
    const profile = (await detectBoard({ root, boardsDir: [] })).profile;
    const sensors = createBoardSensors({ root, board: profile });
    const util = await sensors.createCpuUtilisation().sample();
    expect(util).toBeCloseTo(want.utilisation, 9);

    const thermal = await sensors.readThermalZones();
    expect(thermal.map((z) => [z.type, z.celsius, ...(z.label === undefined ? [] : [z.label])])).toEqual(want.thermal);
    expect(thermal.map((z) => z.zone)).toEqual(want.thermal.map((_, i) => `thermal_zone${i}`));

    const freq = await sensors.readCpuFrequencies();
    expect(freq.map((p) => [p.policy, p.cpus, p.curMHz, p.minMHz, p.maxMHz, p.governor])).toEqual(want.cpufreq);

    expect(await sensors.readMemory()).toMatchObject(want.memory);
    const load = await sensors.readLoadAverage();
    expect([load.one, load.five, load.fifteen]).toEqual(want.load);

    const leds = await sensors.readLeds();
    expect(leds.map((l) => [l.name, l.trigger, l.brightness, l.maxBrightness])).toEqual(want.leds);

    const power = await listPowerSources({ root, board: profile });
    expect(power.map((p) => p.id)).toEqual(want.power);
    expect(power.every((p) => p.readable)).toBe(true);
    expect(power.at(-1)).toMatchObject({ id: 'estimate', kind: 'estimated' });

    const throttling = await sensors.readThrottling();
    if (want.throttling === null) expect(throttling).toBeNull();
    else expect(throttling).toMatchObject(want.throttling);
  });
});

describe('detectBoard on this machine', () => {
  it('finds the generic linux x64 board by the architecture fallback, with the real memory and cores', async () => {
    const board = await detectBoard({ boardsDir: [] });
    expect(board.profile.id).toBe('generic-linux-x64');
    expect(board.matchedBy).toBe('fallback-arch');
    expect(board.arch).toBe('x64');
    expect(board.cores).toBe(cpus().length);
    expect(Math.abs(board.memoryMB - totalmem() / 2 ** 20)).toBeLessThan(2);
    expect(board.piRevision).toBeUndefined();
  });

  it('reads this machine\'s sensors without failing (whatever it has)', async () => {
    const sensors = createBoardSensors();
    const util = sensors.createCpuUtilisation();
    const first = await util.sample();
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first).toBeLessThanOrEqual(1);
    const memory = await sensors.readMemory();
    expect(Math.abs(memory.totalMB - totalmem() / 2 ** 20)).toBeLessThan(2);
    expect(Array.isArray(await sensors.readThermalZones())).toBe(true);
    expect(await sensors.readThrottling()).toBeNull(); // not a Raspberry Pi
  });
});
