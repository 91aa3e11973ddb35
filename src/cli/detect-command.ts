import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import { TinyEdgeError } from '../errors.js';
import { createBoardSensors } from '../hal/board-sensors.js';
import type { CpuFrequencyPolicy } from '../hal/cpufreq.js';
import { detectBoard } from '../hal/detect.js';
import type { BoardMatchRule } from '../hal/detect.js';
import type { LedState } from '../hal/leds.js';
import type { LoadAverage } from '../hal/load-average.js';
import type { MemoryInfo } from '../hal/memory.js';
import { listPowerSources } from '../hal/power-sources.js';
import { listSerialPorts } from '../hal/serial/list-serial-ports.js';
import type { SerialPortInfo } from '../hal/serial/list-serial-ports.js';
import type { ThrottleState } from '../hal/throttling.js';
import { runAction } from './run-action.js';

/** What `tinyedge detect --json` prints. */
export interface DetectResult {
  /** The board found and the rule that matched. */
  board: { id: string; name: string; matchedBy: BoardMatchRule; matchDetail: string };
  /** Userland architecture. */
  arch: string;
  /** RAM the kernel manages, MB. */
  memoryMB: number;
  /** Cores, and utilisation of all of them over a short window (0-1; since boot for a static --root tree). */
  cpu: { cores: number; utilisation: number | null };
  /** Thermal zones, degrees Celsius. */
  thermal: Array<{ zone: string; type: string; celsius: number }>;
  /** Power sources present (see listPowerSources), best first, `estimate` last. */
  powerSources: Array<{ id: string; kind: 'measured' | 'estimated' }>;
  /** Serial ports. */
  serialPorts: SerialPortInfo[];
  /** The other readings: clocks, memory, load, throttling, LEDs, how serial ports were listed; null where unreadable. */
  sensors: {
    cpufreq: CpuFrequencyPolicy[] | null;
    memory: MemoryInfo | null;
    loadAverage: LoadAverage | null;
    throttling: ThrottleState | null;
    leds: LedState[] | null;
    serialPortsListedBy: { method: string; reason: string } | null;
  };
  /** Readings that failed, each with its error code and what to do; the rest of the report is still valid. */
  warnings: Array<{ reading: string; code: string; message: string; hint: string }>;
}

/**
 * Creates `tinyedge detect [--root DIR] [--board ID] [--boards DIR] [--json]`:
 * finds the board (and says which rule matched), then reads every sensor:
 * CPU utilisation over 250 ms, clocks, thermal zones, memory, load, the
 * Raspberry Pi throttling flags, LEDs, the power sources present and the
 * serial ports. A sensor that cannot be read becomes a warning (code and
 * hint) instead of failing the report; failing to identify the board at all
 * (no `/proc/cpuinfo` or `/proc/meminfo`, a broken board file) is an error.
 *
 * @returns the subcommand, for `program.addCommand`
 * @example
 * ```ts
 * program.addCommand(detectCommand());
 * // $ tinyedge detect --root test/fixtures/boards/raspberry-pi-5 --json
 * ```
 */
export function detectCommand(): Command {
  return new Command('detect')
    .description('find the board this is (and why), and read every sensor')
    .option('--root <dir>', 'read procfs/sysfs from this directory instead of / (a fixture tree, a mounted image)')
    .option('--board <id>', 'skip detection and use this board profile')
    .option('--boards <dir>', 'a directory of your own board files (default: TINYEDGE_BOARDS)')
    .option('--json', 'print one JSON object instead of the text report')
    .action(runAction(async (options: { root?: string; board?: string; boards?: string; json?: boolean }) => {
      const result = await detect(options);
      process.stdout.write(options.json === true ? `${JSON.stringify(result, null, 2)}\n` : formatDetect(result));
    }));
}

async function detect(options: { root?: string; board?: string; boards?: string }): Promise<DetectResult> {
  const root = options.root ?? '/';
  const detected = await detectBoard({
    root,
    ...(options.board === undefined ? {} : { boardId: options.board }),
    ...(options.boards === undefined ? {} : { boardsDir: options.boards }),
  });
  const sensors = createBoardSensors({ root, board: detected.profile });
  const warnings: DetectResult['warnings'] = [];
  const attempt = async <T>(reading: string, read: () => Promise<T>): Promise<T | null> => {
    try {
      return await read();
    } catch (err) {
      if (!(err instanceof TinyEdgeError)) throw err;
      warnings.push({ reading, code: err.code, message: err.message, hint: err.hint });
      return null;
    }
  };
  const utilisation = await attempt('cpu utilisation', async () => {
    const tracker = sensors.createCpuUtilisation();
    await tracker.sample();
    await sleep(250);
    return tracker.sample();
  });
  const thermal = (await attempt('thermal zones', () => sensors.readThermalZones())) ?? [];
  const powerSources = (await attempt('power sources', () => listPowerSources({ root, board: detected.profile }))) ?? [];
  const serial = await attempt('serial ports', () => listSerialPorts({ root }));
  return {
    board: { id: detected.profile.id, name: detected.profile.name, matchedBy: detected.matchedBy, matchDetail: detected.matchDetail },
    arch: detected.arch,
    memoryMB: detected.memoryMB,
    cpu: { cores: detected.cores, utilisation },
    thermal: thermal.map((z) => ({ zone: z.zone, type: z.type, celsius: z.celsius })),
    powerSources: powerSources.map((s) => ({ id: s.id, kind: s.kind })),
    serialPorts: serial?.ports ?? [],
    sensors: {
      cpufreq: await attempt('cpu frequencies', () => sensors.readCpuFrequencies()),
      memory: await attempt('memory', () => sensors.readMemory()),
      loadAverage: await attempt('load average', () => sensors.readLoadAverage()),
      throttling: await attempt('throttling', () => sensors.readThrottling()),
      leds: await attempt('leds', () => sensors.readLeds()),
      serialPortsListedBy: serial === null ? null : { method: serial.method, reason: serial.reason },
    },
    warnings,
  };
}

function formatDetect(r: DetectResult): string {
  const s = r.sensors;
  const lines = [
    `board: ${r.board.name} (${r.board.id})`,
    `  matched by ${r.board.matchedBy}: ${r.board.matchDetail}`,
    `arch: ${r.arch}, ${r.cpu.cores} cores, ${r.memoryMB} MB`,
    `cpu utilisation: ${r.cpu.utilisation === null ? 'unreadable' : `${(r.cpu.utilisation * 100).toFixed(1)} %`}`,
  ];
  for (const p of s.cpufreq ?? []) {
    lines.push(`cpu clock: ${p.policy} (cpus ${p.cpus.join(',')}): ${p.curMHz ?? '?'} MHz of ${p.minMHz}-${p.maxMHz}${p.governor === null ? '' : ` (${p.governor})`}`);
  }
  lines.push(r.thermal.length === 0 ? 'thermal: no zones' : `thermal: ${r.thermal.map((z) => `${z.type} ${z.celsius.toFixed(1)} °C`).join(', ')}`);
  if (s.memory !== null) lines.push(`memory: ${s.memory.availableMB} MB available of ${s.memory.totalMB} MB`);
  if (s.loadAverage !== null) lines.push(`load average: ${s.loadAverage.one} ${s.loadAverage.five} ${s.loadAverage.fifteen}`);
  if (s.throttling !== null) {
    const flags = (f: ThrottleState['now']): string => {
      const values = Object.entries(f);
      if (values.every(([, v]) => v === null)) return 'unknown';
      const set = values.filter(([, v]) => v === true).map(([k]) => k).join(', ') || 'none';
      return values.some(([, v]) => v === null) ? `${set} (${values.filter(([, v]) => v === null).map(([k]) => k).join(', ')} unknown)` : set;
    };
    lines.push(`throttling (${s.throttling.source}): now ${flags(s.throttling.now)}; since boot ${flags(s.throttling.sinceBoot)}`);
  }
  if (s.leds !== null) lines.push(s.leds.length === 0 ? 'leds: none' : `leds: ${s.leds.map((l) => `${l.name} [${l.trigger ?? '-'}] ${l.brightness}/${l.maxBrightness}`).join(', ')}`);
  lines.push(`power sources: ${r.powerSources.map((p) => `${p.id} (${p.kind})`).join(', ')}`);
  const listedBy = s.serialPortsListedBy === null ? '' : ` (listed by ${s.serialPortsListedBy.method}: ${s.serialPortsListedBy.reason})`;
  lines.push(`serial ports: ${r.serialPorts.map((p) => p.path).join(', ') || 'none'}${listedBy}`);
  for (const w of r.warnings) lines.push(`warning: ${w.reading}: ${w.code}: ${w.message}`, `  hint: ${w.hint}`);
  return `${lines.join('\n')}\n`;
}
