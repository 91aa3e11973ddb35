// Run by test/hal-readers.test.ts as an unprivileged user (root reads
// anything): exercises HAL readers on files it may not read or write and
// prints, as one JSON object, what each one threw or returned.
//   node --import tsx test/support/hal-permission-probe.ts <x64-tree> <pi4-tree>
import { getBoard } from '../../src/hal/boards.js';
import { detectBoard } from '../../src/hal/detect.js';
import { setLed } from '../../src/hal/leds.js';
import { readMemory } from '../../src/hal/memory.js';
import { listPowerSources } from '../../src/hal/power-sources.js';
import { readThermalZones } from '../../src/hal/thermal.js';

const [x64 = '', pi4 = ''] = process.argv.slice(2);
const results: Record<string, unknown> = {};

async function probe(name: string, run: () => Promise<unknown>): Promise<void> {
  try {
    results[name] = { returned: await run() };
  } catch (err) {
    const e = err as { code?: string; message?: string; hint?: string };
    results[name] = { code: e.code, message: e.message, hint: e.hint };
  }
}

await probe('meminfo', () => readMemory({ root: x64 }));
await probe('detect', () => detectBoard({ root: x64, boardsDir: [] }));
const board = await getBoard('generic-linux-x64', { dir: [] });
const sources = await listPowerSources({ root: x64, board });
results['rapl'] = sources.find((s) => s.sensor === 'rapl');
await probe('led', () => setLed({ root: pi4, name: 'ACT', trigger: 'none' }));
await probe('thermal', () => readThermalZones({ root: pi4 }));
process.stdout.write(`${JSON.stringify(results)}\n`);
