import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { TinyEdgeError } from '../errors.js';
import type { BoardProfile } from '../hal/board-profile.js';
import type { BoardSensors } from '../hal/board-sensors.js';
import { getBoard } from '../hal/boards.js';
import type { CpuFrequencyPolicy } from '../hal/cpufreq.js';
import type { CpuUtilisation } from '../hal/cpu-utilisation.js';
import type { DetectedBoard } from '../hal/detect.js';
import type { LedChange, LedState } from '../hal/leds.js';
import type { LoadAverage } from '../hal/load-average.js';
import type { MemoryInfo } from '../hal/memory.js';
import type { ThermalZoneReading } from '../hal/thermal.js';
import { decodeThrottled } from '../hal/throttling.js';
import type { ThrottleState } from '../hal/throttling.js';

/** One step of a simulated board's workload script. */
export interface SimulatedPhase {
  /** How long the phase lasts, ms. */
  durationMs: number;
  /** CPU load during the phase: 0 = idle, 1 = every core busy. */
  load: number;
}

/** Options of {@link createSimulatedBoard}. */
export interface SimulatedBoardOptions {
  /**
   * Time source: `real` (default; values evolve as the program runs, for
   * demos), `virtual` (time moves only with `advance()`, for tests), or a
   * function returning milliseconds.
   */
  clock?: 'real' | 'virtual' | (() => number);
  /** The workload, repeated forever. Default {@link DEFAULT_SIMULATED_SCRIPT}. */
  script?: SimulatedPhase[];
  /** Room temperature, degrees Celsius; the SoC settles here when idle. Default 30. */
  ambientCelsius?: number;
}

/** An LED write the simulated board received. */
export interface SimulatedLedWrite {
  /** When, ms on the board's clock. */
  atMs: number;
  /** The LED. */
  name: string;
  /** Trigger selected, if any. */
  trigger?: string;
  /** Brightness set, if any. */
  brightness?: number;
}

/**
 * A complete board without hardware: the `simulated` profile, and sensors
 * whose values follow a scripted workload over time (CPU ticks, a SoC that
 * heats towards 85 °C under full load with a 20 s time constant and
 * throttles at 80 °C, an ondemand-style clock, load average, memory, LEDs).
 * It implements {@link BoardSensors}, so code written for real boards runs
 * on it unchanged.
 */
export interface SimulatedBoard extends BoardSensors {
  /** The `simulated` board profile (with any user overrides). */
  readonly profile: BoardProfile;
  /** What `detectBoard` would report for it. */
  readonly detected: DetectedBoard;
  /** Every LED write so far, oldest first. */
  readonly ledWrites: readonly SimulatedLedWrite[];
  /** Milliseconds since the board was created, on its clock. */
  elapsedMs(): number;
  /**
   * Moves the virtual clock forward.
   *
   * @throws TypeError unless the board was created with `clock: 'virtual'`
   */
  advance(ms: number): void;
  /** Holds the load at a value (0-1) instead of following the script; `null` returns to the script. */
  setLoad(load: number | null): void;
  /** The load right now, 0-1. */
  currentLoad(): number;
  /** Whole-board draw right now, watts: the profile's idle figure plus load times (load - idle). */
  readWatts(): number;
  /** Writes the current state as a procfs/sysfs tree under `dir`, so the real readers (and `tinyedge detect --root`) can read it. */
  writeTree(dir: string): Promise<void>;
}

/** The default workload: 20 s idle, 30 s busy, 10 s light, repeated. */
export const DEFAULT_SIMULATED_SCRIPT: readonly SimulatedPhase[] = Object.freeze([
  { durationMs: 20_000, load: 0.05 },
  { durationMs: 30_000, load: 1 },
  { durationMs: 10_000, load: 0.35 },
]);

const TICKS_PER_SECOND = 100; // USER_HZ
const STEP_MS = 100;
const TAU_MS = 20_000;
const RISE_AT_FULL_LOAD = 55;
const THROTTLE_CELSIUS = 80;
const MEM_TOTAL_KB = 3_977_216;
const LED_TRIGGERS = ['none', 'timer', 'oneshot', 'heartbeat', 'default-on', 'mmc0', 'cpu', 'actpwr'];

/**
 * Creates a simulated board (profile id `simulated`).
 *
 * @param options - clock, workload script, ambient temperature
 * @returns the board
 * @throws RangeError for an empty script, a phase with a non-positive duration or a load outside 0-1
 * @example
 * ```ts
 * import { createSimulatedBoard } from 'tinyedge/testing';
 * const board = await createSimulatedBoard({ clock: 'virtual' });
 * board.setLoad(1);
 * board.advance(120_000);
 * (await board.readThrottling())?.now.throttled; // true: two minutes at full load reach 80 °C
 * ```
 */
export async function createSimulatedBoard(options: SimulatedBoardOptions = {}): Promise<SimulatedBoard> {
  const script = [...(options.script ?? DEFAULT_SIMULATED_SCRIPT)];
  if (script.length === 0) throw new RangeError('script needs at least one phase');
  for (const p of script) {
    if (!(p.durationMs > 0)) throw new RangeError(`phase durationMs must be positive, found ${p.durationMs}`);
    checkLoad(p.load);
  }
  const ambient = options.ambientCelsius ?? 30;
  if (!Number.isFinite(ambient)) throw new RangeError(`ambientCelsius must be a number, found ${ambient}`);
  const profile = await getBoard('simulated');
  const cores = profile.cpu.cores;
  const maxKHz = profile.cpu.maxMHz * 1000;
  const minKHz = (profile.cpu.minMHz ?? profile.cpu.maxMHz) * 1000;

  let virtualNow = 0;
  const clockOption = options.clock ?? 'real';
  const start = clockOption === 'real' ? performance.now() : typeof clockOption === 'function' ? clockOption() : 0;
  const now = (): number => clockOption === 'real' ? performance.now() - start
    : clockOption === 'virtual' ? virtualNow
      : clockOption() - start;
  const cycleMs = script.reduce((sum, p) => sum + p.durationMs, 0);
  const scriptLoad = (t: number): number => {
    let at = t % cycleMs;
    for (const p of script) {
      if (at < p.durationMs) return p.load;
      at -= p.durationMs;
    }
    return script[script.length - 1]?.load ?? 0;
  };

  let override: number | null = null;
  const state = {
    t: 0,
    celsius: ambient,
    busyTicks: 0,
    totalTicks: 0,
    load1: 0, load5: 0, load15: 0,
    sticky: 0,
  };
  const loadAt = (t: number): number => override ?? scriptLoad(t);
  const sync = (): void => {
    const target = Math.max(state.t, now());
    while (state.t < target) {
      const dt = Math.min(STEP_MS, target - state.t);
      const load = loadAt(state.t);
      const ticks = (cores * dt * TICKS_PER_SECOND) / 1000;
      state.totalTicks += ticks;
      state.busyTicks += ticks * load;
      state.celsius += (ambient + RISE_AT_FULL_LOAD * load - state.celsius) * (1 - Math.exp(-dt / TAU_MS));
      const runnable = load * cores;
      state.load1 += (runnable - state.load1) * (1 - Math.exp(-dt / 60_000));
      state.load5 += (runnable - state.load5) * (1 - Math.exp(-dt / 300_000));
      state.load15 += (runnable - state.load15) * (1 - Math.exp(-dt / 900_000));
      state.t += dt;
      if (state.celsius >= THROTTLE_CELSIUS) state.sticky |= (1 << 17) | (1 << 18);
    }
  };

  // What every reader reports, derived from the state in the units the files use, so that
  // in-memory readings and a tree written by writeTree() read back identically.
  const milliCelsius = (): number => Math.round((state.celsius + 0.25 * Math.sin(state.t / 3700)) * 1000);
  const hot = (): boolean => state.celsius >= THROTTLE_CELSIUS;
  const throttledRaw = (): number => state.sticky | (hot() ? 0b110 : 0);
  const curKHz = (): number => hot() ? Math.round(maxKHz * 0.8) : loadAt(state.t) >= 0.05 ? maxKHz : minKHz;
  const ticks = (): { user: number; system: number; idle: number } => {
    const busy = Math.floor(state.busyTicks);
    const total = Math.floor(state.totalTicks);
    const system = Math.floor(busy * 0.15);
    return { user: busy - system, system, idle: total - busy };
  };
  const memKB = (): { total: number; free: number; available: number; buffers: number; cached: number } => {
    const used = Math.round((350 + 250 * loadAt(state.t)) * 1024);
    const available = MEM_TOTAL_KB - used;
    const cached = 1_200 * 1024;
    return { total: MEM_TOTAL_KB, free: available - cached - 40 * 1024, available, buffers: 40 * 1024, cached };
  };
  const loadavg = (): string => {
    const running = 1 + Math.round(loadAt(state.t) * cores);
    return `${state.load1.toFixed(2)} ${state.load5.toFixed(2)} ${state.load15.toFixed(2)} ${running}/180 4242`;
  };

  const leds = new Map<string, { brightness: number; maxBrightness: number; trigger: string }>();
  for (const led of profile.leds) {
    leds.set(led.name, led.role === 'power' ? { brightness: 1, maxBrightness: 1, trigger: 'default-on' } : { brightness: 0, maxBrightness: 1, trigger: 'mmc0' });
  }
  const ledWrites: SimulatedLedWrite[] = [];

  const mb = (kB: number): number => Math.round((kB / 1024) * 10) / 10;
  const board: SimulatedBoard = {
    profile,
    detected: { profile, matchedBy: 'forced', matchDetail: 'the simulated board', arch: profile.arch, memoryMB: Math.round(mb(MEM_TOTAL_KB)), cores },
    ledWrites,
    elapsedMs: now,
    advance(ms: number): void {
      if (clockOption !== 'virtual') throw new TypeError("advance() needs a board created with clock: 'virtual'");
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance() takes a non-negative number of ms, found ${ms}`);
      virtualNow += ms;
    },
    setLoad(load: number | null): void {
      if (load !== null) checkLoad(load);
      sync();
      override = load;
    },
    currentLoad(): number {
      sync();
      return loadAt(state.t);
    },
    readWatts(): number {
      sync();
      return profile.power.idleW + (profile.power.loadW - profile.power.idleW) * loadAt(state.t);
    },
    async readThermalZones(): Promise<ThermalZoneReading[]> {
      sync();
      const zone = profile.thermalZones[0] ?? { type: 'cpu-thermal', label: 'soc' };
      return [{ zone: 'thermal_zone0', type: zone.type, celsius: milliCelsius() / 1000, label: zone.label }];
    },
    async readCpuFrequencies(): Promise<CpuFrequencyPolicy[]> {
      sync();
      return [{ policy: 'policy0', cpus: [...Array(cores).keys()], curMHz: curKHz() / 1000, minMHz: minKHz / 1000, maxMHz: maxKHz / 1000, limitMHz: maxKHz / 1000, governor: 'ondemand' }];
    },
    async readMemory(): Promise<MemoryInfo> {
      sync();
      const m = memKB();
      return { totalMB: mb(m.total), availableMB: mb(m.available), freeMB: mb(m.free), swapTotalMB: mb(102_396), swapFreeMB: mb(102_396) };
    },
    async readLoadAverage(): Promise<LoadAverage> {
      sync();
      const [one, five, fifteen, tasks] = loadavg().split(' ');
      const [running, total] = (tasks ?? '0/0').split('/');
      return { one: Number(one), five: Number(five), fifteen: Number(fifteen), running: Number(running), total: Number(total) };
    },
    async readThrottling(): Promise<ThrottleState | null> {
      sync();
      const raw = throttledRaw();
      return { source: 'sysfs', raw, ...decodeThrottled(raw) };
    },
    async readLeds(): Promise<LedState[]> {
      return [...leds.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, l]) => ({
        name, brightness: l.brightness, maxBrightness: l.maxBrightness, trigger: l.trigger, triggers: [...LED_TRIGGERS],
      }));
    },
    async setLed(name: string, change: LedChange): Promise<void> {
      const led = leds.get(name);
      if (led === undefined) {
        throw new TinyEdgeError('E_NOT_FOUND', `There is no LED named ${JSON.stringify(name)} on the simulated board.`, `Its LEDs: ${[...leds.keys()].join(', ')}.`);
      }
      if (change.trigger !== undefined && !LED_TRIGGERS.includes(change.trigger)) {
        throw new TinyEdgeError('E_IO', `The LED ${name} has no trigger ${JSON.stringify(change.trigger)}.`, `Triggers: ${LED_TRIGGERS.join(', ')}.`);
      }
      if (change.brightness !== undefined && (!Number.isInteger(change.brightness) || change.brightness < 0)) {
        throw new TypeError(`brightness must be a non-negative integer, found ${change.brightness}`);
      }
      if (change.trigger !== undefined) led.trigger = change.trigger;
      if (change.brightness !== undefined) {
        led.brightness = Math.min(change.brightness, led.maxBrightness);
        if (change.brightness === 0) led.trigger = 'none'; // as the kernel does: brightness 0 removes the trigger
      }
      ledWrites.push({ atMs: now(), name, ...change });
    },
    createCpuUtilisation(): CpuUtilisation {
      let last = { busy: 0, total: 0 };
      let previous = 0;
      return {
        async sample(): Promise<number> {
          sync();
          const t = ticks();
          const current = { busy: t.user + t.system, total: t.user + t.system + t.idle };
          const busy = current.busy - last.busy;
          const total = current.total - last.total;
          last = current;
          if (total > 0) previous = Math.min(1, Math.max(0, busy / total));
          return previous;
        },
      };
    },
    async writeTree(dir: string): Promise<void> {
      sync();
      const t = ticks();
      const m = memKB();
      const put = async (path: string, text: string): Promise<void> => {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), text);
      };
      const cpu = (id: string, u: number, s: number, i: number): string => `${id} ${u} 0 ${s} ${i} 0 0 0 0 0 0`;
      const perCore = (v: number, c: number): number => Math.floor(v / cores) + (c < v % cores ? 1 : 0);
      await put('proc/device-tree/model', 'tinyedge simulated board\0');
      await put('proc/cpuinfo', [...Array(cores).keys()].map((n) => [
        `processor\t: ${n}`, 'BogoMIPS\t: 108.00', 'Features\t: fp asimd evtstrm crc32 cpuid', 'CPU implementer\t: 0x41',
        'CPU architecture: 8', 'CPU variant\t: 0x0', 'CPU part\t: 0xd08', 'CPU revision\t: 3', '',
      ].join('\n')).join('\n'));
      await put('proc/meminfo', [
        `MemTotal:       ${m.total} kB`, `MemFree:        ${m.free} kB`, `MemAvailable:   ${m.available} kB`,
        `Buffers:        ${m.buffers} kB`, `Cached:         ${m.cached} kB`, 'SwapTotal:      102396 kB', 'SwapFree:       102396 kB', '',
      ].join('\n'));
      await put('proc/stat', [
        cpu('cpu ', t.user, t.system, t.idle),
        ...[...Array(cores).keys()].map((c) => cpu(`cpu${c}`, perCore(t.user, c), perCore(t.system, c), perCore(t.idle, c))),
        'ctxt 123456', 'btime 1700000000', 'processes 4242', '',
      ].join('\n'));
      await put('proc/loadavg', `${loadavg()}\n`);
      const zone = profile.thermalZones[0] ?? { type: 'cpu-thermal', label: 'soc' };
      await put('sys/class/thermal/thermal_zone0/type', `${zone.type}\n`);
      await put('sys/class/thermal/thermal_zone0/temp', `${milliCelsius()}\n`);
      const policy = 'sys/devices/system/cpu/cpufreq/policy0';
      await put(`${policy}/related_cpus`, `${[...Array(cores).keys()].join(' ')}\n`);
      await put(`${policy}/scaling_cur_freq`, `${curKHz()}\n`);
      await put(`${policy}/cpuinfo_min_freq`, `${minKHz}\n`);
      await put(`${policy}/cpuinfo_max_freq`, `${maxKHz}\n`);
      await put(`${policy}/scaling_max_freq`, `${maxKHz}\n`);
      await put(`${policy}/scaling_governor`, 'ondemand\n');
      for (const [name, l] of leds) {
        await put(`sys/class/leds/${name}/brightness`, `${l.brightness}\n`);
        await put(`sys/class/leds/${name}/max_brightness`, `${l.maxBrightness}\n`);
        await put(`sys/class/leds/${name}/trigger`, `${LED_TRIGGERS.map((x) => (x === l.trigger ? `[${x}]` : x)).join(' ')}\n`);
      }
      await put('sys/devices/platform/soc/soc:firmware/get_throttled', `${throttledRaw().toString(16)}\n`);
    },
  };
  return board;
}

function checkLoad(load: number): void {
  if (!(load >= 0 && load <= 1)) throw new RangeError(`load must be between 0 and 1, found ${load}`);
}
