// HAL readers beyond the fixture table: changing values, injected vcgencmd,
// LED writes, forced and user-defined detection, and the errors for missing,
// malformed and unreadable files (EACCES checked as an unprivileged user).
import { execFile } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTinyEdgeError, TinyEdgeError } from '../src/errors.js';
import { blinkWhileInferring } from '../src/hal/activity-led.js';
import { createBoardSensors } from '../src/hal/board-sensors.js';
import { getBoard } from '../src/hal/boards.js';
import { createCpuUtilisation } from '../src/hal/cpu-utilisation.js';
import { readCpuFrequencies } from '../src/hal/cpufreq.js';
import { detectBoard } from '../src/hal/detect.js';
import { readLeds, setLed } from '../src/hal/leds.js';
import { readLoadAverage } from '../src/hal/load-average.js';
import { readMemory } from '../src/hal/memory.js';
import { decodePiRevision } from '../src/hal/pi-revision.js';
import { readThermalZones } from '../src/hal/thermal.js';
import { decodeThrottled, readThrottling } from '../src/hal/throttling.js';
import type { ModelEvents } from '../src/runtime/model-events.js';
import { TypedEmitter } from '../src/runtime/typed-emitter.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const fixture = (id: string): string => join(REPO, 'test', 'fixtures', 'boards', id);

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tinyedge-hal-'));
  await chmod(dir, 0o755); // the unprivileged-user probe below must reach it
});
afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

/** A writable copy of a fixture tree. */
async function copyFixture(id: string, name = id): Promise<string> {
  const target = join(dir, name);
  await cp(fixture(id), target, { recursive: true });
  return target;
}

async function put(root: string, path: string, text: string): Promise<void> {
  await mkdir(join(root, path, '..'), { recursive: true });
  await writeFile(join(root, path), text);
}

/** Polls `check` until it holds (at most 5 s): no assumption about how fast a loaded machine writes. */
async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (const started = Date.now(); !(await check());) {
    if (Date.now() - started > 5000) throw new Error('condition not met within 5 s');
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function rejection(promise: Promise<unknown>): Promise<TinyEdgeError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof TinyEdgeError) return err;
    throw err;
  }
  throw new Error('expected a TinyEdgeError');
}

describe('decodePiRevision', () => {
  it('decodes the documented examples field by field', () => {
    expect(decodePiRevision('902120')).toMatchObject({ type: 0x12, typeName: 'Zero 2 W', memoryMB: 512, processor: 'BCM2837', manufacturer: 'Sony UK' });
    expect(decodePiRevision('a020d3')).toMatchObject({ type: 0x0d, typeName: '3B+', memoryMB: 1024, boardRevision: '1.3' });
    expect(decodePiRevision('c03115')).toMatchObject({ type: 0x11, typeName: '4B', memoryMB: 4096, processor: 'BCM2711', boardRevision: '1.5' });
    expect(decodePiRevision('0xd04170')).toMatchObject({ code: 'd04170', type: 0x17, typeName: '5', memoryMB: 8192, processor: 'BCM2712' });
    expect(decodePiRevision('e04171')).toMatchObject({ type: 0x17, memoryMB: 16384, boardRevision: '1.1' });
    expect(decodePiRevision('c03140')).toMatchObject({ type: 0x14, typeName: 'CM4', memoryMB: 4096 });
    expect(decodePiRevision('a22082')).toMatchObject({ type: 0x08, typeName: '3B', manufacturer: 'Embest' });
    expect(decodePiRevision('2a02082')).toMatchObject({ type: 0x08, warrantyVoid: true });
  });

  it('recognises old-style codes and rejects what is not hex', () => {
    expect(decodePiRevision('000e')).toEqual({ code: '000e', newStyle: false });
    expect(() => decodePiRevision('xyz')).toThrow(RangeError);
    expect(() => decodePiRevision('123456789')).toThrow(RangeError);
  });
});

describe('CPU utilisation from /proc/stat deltas', () => {
  it('measures the share of busy ticks between samples, and restarts after a counter reset', async () => {
    const root = join(dir, 'stat');
    const stat = (user: number, system: number, idle: number, iowait: number): string =>
      `cpu  ${user} 5 ${system} ${idle} ${iowait} 1 2 0 0 0\ncpu0 ${user} 5 ${system} ${idle} ${iowait} 1 2 0 0 0\nctxt 1\n`;
    await put(root, 'proc/stat', stat(100, 50, 800, 42));
    const cpu = createCpuUtilisation({ root });
    expect(await cpu.sample()).toBeCloseTo((100 + 5 + 50 + 1 + 2) / 1000, 12); // since boot
    await put(root, 'proc/stat', stat(400, 150, 1200, 42)); // +300 user, +100 system, +400 idle
    expect(await cpu.sample()).toBeCloseTo(0.5, 12);
    expect(await cpu.sample()).toBeCloseTo(0.5, 12); // no time passed: the previous value
    await put(root, 'proc/stat', stat(10, 10, 80, 0)); // counters went backwards (CPU hot-unplug)
    expect(await cpu.sample()).toBeCloseTo((10 + 5 + 10 + 1 + 2) / 108, 12);
  });

  it('fails with E_SENSOR on a malformed file and E_NOT_FOUND on a missing one', async () => {
    const root = join(dir, 'bad-stat');
    await put(root, 'proc/stat', 'intr 1 2 3\n');
    expect((await rejection(createCpuUtilisation({ root }).sample())).code).toBe('E_SENSOR');
    const missing = await rejection(createCpuUtilisation({ root: join(dir, 'nothing') }).sample());
    expect(missing.code).toBe('E_NOT_FOUND');
    expect(missing.message).toContain(join(dir, 'nothing', 'proc', 'stat'));
    expect(missing.hint).toContain('--root');
  });
});

describe('missing and malformed files', () => {
  it('detectBoard names the missing /proc/cpuinfo or /proc/meminfo', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty, { recursive: true });
    const noCpuinfo = await rejection(detectBoard({ root: empty, boardsDir: [] }));
    expect(noCpuinfo.code).toBe('E_NOT_FOUND');
    expect(noCpuinfo.message).toContain('proc/cpuinfo');
    const root = join(dir, 'cpuinfo-only');
    await put(root, 'proc/cpuinfo', await readFile(join(fixture('raspberry-pi-5'), 'proc', 'cpuinfo'), 'utf8'));
    const noMeminfo = await rejection(detectBoard({ root, boardsDir: [] }));
    expect(noMeminfo.code).toBe('E_NOT_FOUND');
    expect(noMeminfo.message).toContain('proc/meminfo');
  });

  it('readers fail clearly on malformed values and incomplete entries', async () => {
    const root = join(dir, 'malformed');
    await put(root, 'sys/class/thermal/thermal_zone0/type', 'cpu-thermal\n');
    await put(root, 'sys/class/thermal/thermal_zone0/temp', 'hot\n');
    await put(root, 'sys/devices/system/cpu/cpufreq/policy0/cpuinfo_min_freq', '600000\n');
    await put(root, 'proc/meminfo', 'MemFree: 12 kB\n');
    await put(root, 'proc/loadavg', 'busy\n');
    await put(root, 'sys/class/leds/ACT/brightness', 'x\n');
    await put(root, 'sys/class/leds/ACT/max_brightness', '1\n');
    const thermal = await rejection(readThermalZones({ root }));
    expect(thermal.code).toBe('E_SENSOR');
    expect(thermal.message).toContain('"hot"');
    const freq = await rejection(readCpuFrequencies({ root }));
    expect(freq.code).toBe('E_NOT_FOUND');
    expect(freq.message).toContain('cpuinfo_max_freq');
    expect((await rejection(readMemory({ root }))).message).toContain('MemTotal');
    expect((await rejection(readLoadAverage({ root }))).code).toBe('E_SENSOR');
    expect((await rejection(readLeds({ root }))).code).toBe('E_SENSOR');
  });

  it('a machine without thermal zones, cpufreq or LEDs reads as empty lists', async () => {
    const root = join(dir, 'bare');
    await mkdir(root, { recursive: true });
    expect(await readThermalZones({ root })).toEqual([]);
    expect(await readCpuFrequencies({ root })).toEqual([]);
    expect(await readLeds({ root })).toEqual([]);
    expect(await readThrottling({ root })).toBeNull();
  });

  it('rejects a bad root argument as a caller mistake', async () => {
    await expect(readMemory({ root: '' })).rejects.toThrow(TypeError);
  });
});

describe('detectBoard rules', () => {
  it('a forced id (option or TINYEDGE_BOARD) wins over matching; an unknown one is E_BOARD_UNKNOWN', async () => {
    const root = fixture('raspberry-pi-4-b');
    const forced = await detectBoard({ root, boardsDir: [], boardId: 'simulated' });
    expect([forced.profile.id, forced.matchedBy]).toEqual(['simulated', 'forced']);
    expect(forced.memoryMB).toBe(3885); // still read from the tree
    process.env['TINYEDGE_BOARD'] = 'orange-pi-5';
    try {
      expect((await detectBoard({ root, boardsDir: [] })).profile.id).toBe('orange-pi-5');
    } finally {
      delete process.env['TINYEDGE_BOARD'];
    }
    const unknown = await rejection(detectBoard({ root, boardsDir: [], boardId: 'pi-9' }));
    expect(unknown.code).toBe('E_BOARD_UNKNOWN');
    expect(unknown.hint).toContain('raspberry-pi-4-b');
  });

  it('tries user boards first, including their cpuinfo Hardware rule', async () => {
    const boards = join(dir, 'user-boards');
    const base = JSON.parse(await readFile(join(REPO, 'boards', 'generic-linux-arm.json'), 'utf8')) as Record<string, unknown>;
    await put(boards, 'orange-pi-pc.json', JSON.stringify({ ...base, id: 'orange-pi-pc', name: 'Orange Pi PC', match: { cpuinfoHardware: '^Allwinner sun8i' } }));
    const board = await detectBoard({ root: fixture('generic-linux-arm'), boardsDir: boards });
    expect(board.profile.id).toBe('orange-pi-pc');
    expect(board.matchedBy).toBe('cpuinfo-hardware');
    expect(board.matchDetail).toContain('Allwinner sun8i Family');
  });

  it('a Pi revision code wins over the device-tree model, and a non-Pi "Revision : 0000" is ignored', async () => {
    const root = await copyFixture('raspberry-pi-4-b', 'pi-with-odd-model');
    await put(root, 'proc/device-tree/model', 'Some Custom Carrier\0');
    const board = await detectBoard({ root, boardsDir: [] });
    expect(board.profile.id).toBe('raspberry-pi-4-b');
    expect(board.matchedBy).toBe('pi-revision');
    const bbb = await detectBoard({ root: fixture('beaglebone-black'), boardsDir: [] });
    expect(bbb.piRevision).toBeUndefined();
  });

  it('says so when the architecture has no profile', async () => {
    const root = join(dir, 'riscv');
    await put(root, 'proc/cpuinfo', 'processor\t: 0\nhart\t\t: 0\nisa\t\t: rv64imafdc\n');
    await put(root, 'proc/meminfo', 'MemTotal: 1024000 kB\n');
    const err = await rejection(detectBoard({ root, boardsDir: [] }));
    expect(err.code).toBe('E_BOARD_UNKNOWN');
    expect(err.hint).toContain('x64, arm64 and 32-bit arm');
  });
});

describe('readThrottling through an injected vcgencmd runner', () => {
  const root = fixture('raspberry-pi-4-b'); // has usr/bin/vcgencmd

  it('runs `vcgencmd get_throttled` and decodes the bits', async () => {
    const calls: string[] = [];
    const state = await readThrottling({ root, runner: async (cmd, args) => { calls.push(`${cmd} ${args.join(' ')}`); return 'throttled=0x50005\n'; } });
    expect(calls).toEqual(['/usr/bin/vcgencmd get_throttled']);
    expect(state).toEqual({
      source: 'vcgencmd', raw: 0x50005,
      now: { underVoltage: true, frequencyCapped: false, throttled: true, softTemperatureLimit: false },
      sinceBoot: { underVoltage: true, frequencyCapped: false, throttled: true, softTemperatureLimit: false },
    });
    expect(decodeThrottled(0xf000f).sinceBoot.softTemperatureLimit).toBe(true);
    expect(() => decodeThrottled(-1)).toThrow(RangeError);
  });

  it('passes on a permission failure, falls back when vcgencmd vanished, rejects odd output', async () => {
    const denied = new TinyEdgeError('E_PERMISSION', 'vcgencmd get_throttled failed: VCHI initialization failed.', 'add your user to the video group');
    expect(await rejection(readThrottling({ root, runner: async () => { throw denied; } }))).toBe(denied);
    const gone = await readThrottling({ root, runner: async () => { throw new TinyEdgeError('E_NOT_FOUND', 'gone', 'x'); } });
    expect(gone?.source).toBe('rpi_volt');
    const odd = await rejection(readThrottling({ root, runner: async () => 'error=1 error_msg="Command not registered"\n' }));
    expect(odd.code).toBe('E_SENSOR');
  });

  it('never asks the runner on a board without vcgencmd', async () => {
    let called = false;
    const state = await readThrottling({ root: fixture('raspberry-pi-cm4'), runner: async () => { called = true; return 'throttled=0x1'; } });
    expect(called).toBe(false);
    expect(state?.source).toBe('sysfs');
  });
});

describe('LEDs', () => {
  it('setLed writes trigger then brightness; readLeds reads them back', async () => {
    const root = await copyFixture('raspberry-pi-5', 'leds-pi5');
    await setLed({ root, name: 'ACT', trigger: 'none', brightness: 255 });
    expect(await readFile(join(root, 'sys/class/leds/ACT/trigger'), 'utf8')).toBe('none');
    expect(await readFile(join(root, 'sys/class/leds/ACT/brightness'), 'utf8')).toBe('255');
    const act = (await readLeds({ root })).find((l) => l.name === 'ACT');
    expect([act?.trigger, act?.brightness]).toEqual(['none', 255]);
  });

  it('rejects unknown LEDs and bad arguments', async () => {
    const root = fixture('raspberry-pi-5');
    const err = await rejection(setLed({ root, name: 'led9', brightness: 1 }));
    expect(err.code).toBe('E_NOT_FOUND');
    await expect(setLed({ root, name: '../ACT', brightness: 1 })).rejects.toThrow(TypeError);
    await expect(setLed({ root, name: 'ACT', brightness: -1 })).rejects.toThrow(TypeError);
    await expect(setLed({ root, name: 'ACT', trigger: 'a b' })).rejects.toThrow(TypeError);
  });

  it('blinkWhileInferring turns the activity LED over to blinking during inference and restores it after', async () => {
    const root = await copyFixture('raspberry-pi-4-b', 'leds-pi4');
    const board = await getBoard('raspberry-pi-4-b');
    const events = new TypedEmitter<ModelEvents>();
    const blinker = await blinkWhileInferring(events, { sensors: createBoardSensors({ root }), board, intervalMs: 20 });
    expect(blinker.led).toBe('ACT');
    const led = async (): Promise<[string, string]> => [
      (await readFile(join(root, 'sys/class/leds/ACT/trigger'), 'utf8')).trim(),
      (await readFile(join(root, 'sys/class/leds/ACT/brightness'), 'utf8')).trim(),
    ];
    const start = { model: 'm', promptTokens: 3, at: 0 };
    const end = { model: 'm', stopReason: 'maxTokens' as const, promptTokens: 3, generatedTokens: 2, durationMs: 1, inferMs: 1, at: 1 };
    events.emit('inference:start', { requestId: 1, ...start });
    events.emit('inference:start', { requestId: 2, ...start }); // overlapping generation
    await waitFor(async () => (await led())[0] === 'none'); // under manual control, blinking
    events.emit('inference:end', { requestId: 1, ...end });
    await new Promise((r) => setTimeout(r, 30));
    expect((await led())[0]).toBe('none'); // request 2 still running
    events.emit('inference:end', { requestId: 2, ...end });
    await blinker.close();
    expect((await led())[0]).toBe('mmc0'); // the trigger is back (and drives the brightness again)
    expect(events.listenerCount('inference:start')).toBe(0);
  });

  it('blinkWhileInferring needs an LED to blink', async () => {
    const events = new TypedEmitter<ModelEvents>();
    const none = await rejection(blinkWhileInferring(events, { sensors: createBoardSensors({ root: fixture('generic-linux-arm64') }) }));
    expect(none.code).toBe('E_NOT_FOUND');
    const named = await rejection(blinkWhileInferring(events, { sensors: createBoardSensors({ root: fixture('raspberry-pi-5') }), led: 'led7' }));
    expect(named.hint).toContain('ACT');
    await expect(blinkWhileInferring(events, { sensors: createBoardSensors(), intervalMs: 1 })).rejects.toThrow(RangeError);
  });
});

// Root reads anything, so EACCES is checked in a child process running as
// `nobody` (setpriv), or directly when the tests already run unprivileged.
const isRoot = process.getuid?.() === 0;
const hasSetpriv = await import('node:fs').then((fs) => fs.existsSync('/usr/bin/setpriv'));

describe.skipIf(isRoot && !hasSetpriv)('unreadable and unwritable files (EACCES)', () => {
  it('become E_PERMISSION errors whose hints say what to do', async () => {
    const root = await copyFixture('generic-linux-x64', 'eacces-x64');
    await copyFixture('raspberry-pi-4-b', 'eacces-pi4');
    await chmod(join(root, 'proc/meminfo'), 0o000);
    await chmod(join(root, 'sys/class/powercap/intel-rapl:0/energy_uj'), 0o400);
    await chmod(join(dir, 'eacces-pi4/sys/class/leds/ACT/trigger'), 0o444);
    await chmod(join(dir, 'eacces-pi4/sys/class/thermal/thermal_zone0/temp'), 0o000);
    const probe = join(REPO, 'test', 'support', 'hal-permission-probe.ts');
    const argv = [...(isRoot ? ['/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath] : [process.execPath]),
      '--import', 'tsx', probe, root, join(dir, 'eacces-pi4')];
    const out = await new Promise<string>((resolve, reject) => {
      execFile(argv[0] as string, argv.slice(1), { cwd: REPO, timeout: 30_000, env: { ...process.env, HOME: dir } }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stderr}`));
        else resolve(stdout);
      });
    });
    const results = JSON.parse(out) as Record<string, { code?: string; message?: string; hint?: string; readable?: boolean }>;
    expect(results['meminfo']).toMatchObject({ code: 'E_PERMISSION' });
    expect(results['meminfo']?.message).toContain('proc/meminfo: permission denied');
    expect(results['detect']).toMatchObject({ code: 'E_PERMISSION' });
    expect(results['rapl']).toMatchObject({ readable: false });
    expect(results['rapl']?.hint).toContain('CVE-2020-8694');
    expect(results['led']).toMatchObject({ code: 'E_PERMISSION' });
    expect(results['led']?.hint).toContain('udev rule');
    expect(results['thermal']).toMatchObject({ code: 'E_PERMISSION' });
  });
});
