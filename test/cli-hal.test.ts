// `tinyedge boards` and `tinyedge detect`, run from source as `npm run tinyedge` does.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHIPPED_BOARD_IDS } from '../src/hal/board-ids.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const fixture = (id: string): string => fileURLToPath(new URL(`./fixtures/boards/${id}/`, import.meta.url));

let broken = '';
beforeAll(async () => {
  broken = await mkdtemp(join(tmpdir(), 'tinyedge-cli-detect-'));
  await cp(fixture('coral-dev-board'), broken, { recursive: true });
  await writeFile(join(broken, 'sys/class/thermal/thermal_zone0/temp'), 'n/a\n');
});
afterAll(async () => {
  if (broken !== '') await rm(broken, { recursive: true, force: true });
});

interface Run { code: number; stdout: string; stderr: string }

function tinyedge(...args: string[]): Promise<Run> {
  const env = { ...process.env };
  delete env['TINYEDGE_BOARDS'];
  delete env['TINYEDGE_BOARD'];
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, timeout: 50_000, env },
      (err, stdout, stderr) => resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr }));
  });
}

// Sequential on purpose: each run starts tsx, and the CI machine has two cores.
describe('tinyedge boards / detect', () => {
  it('boards prints one line per profile, and every profile in full with --json', async () => {
    const text = await tinyedge('boards');
    const json = await tinyedge('boards', '--json');
    expect(text.code).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(SHIPPED_BOARD_IDS.length + 1);
    expect(lines[0]).toMatch(/^id\s+name\s+arch\s+cpu\s+power\s+source$/);
    expect(lines.find((l) => l.startsWith('raspberry-pi-5 '))).toMatch(/Raspberry Pi 5\s+arm64\s+4x 2400 MHz\s+2\.8-9\.7 W\s+shipped$/);
    expect(json.code).toBe(0);
    const out = JSON.parse(json.stdout) as { boards: Array<{ profile: { id: string; power: { figuresFrom: string } }; source: string }> };
    expect(out.boards.map((b) => b.profile.id)).toEqual([...SHIPPED_BOARD_IDS]);
    expect(out.boards.every((b) => b.source === 'shipped' && b.profile.power.figuresFrom !== '')).toBe(true);
  });

  it('detect --json on a Raspberry Pi 5 tree prints the board, why, and every sensor', async () => {
    const r = await tinyedge('detect', '--root', fixture('raspberry-pi-5'), '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['board', 'arch', 'memoryMB', 'cpu', 'thermal', 'powerSources', 'serialPorts', 'sensors', 'warnings']);
    expect(out.board).toEqual({ id: 'raspberry-pi-5', name: 'Raspberry Pi 5', matchedBy: 'pi-revision', matchDetail: 'Revision d04170 has type 0x17 (5)' });
    expect(out.arch).toBe('arm64');
    expect(out.memoryMB).toBe(8052);
    expect(out.cpu).toEqual({ cores: 4, utilisation: 0.2 }); // a static tree: since boot
    expect(out.thermal).toEqual([{ zone: 'thermal_zone0', type: 'cpu-thermal', celsius: 55.65 }]);
    expect(out.powerSources).toEqual([{ id: 'pmic', kind: 'measured' }, { id: 'estimate', kind: 'estimated' }]);
    expect(out.serialPorts).toEqual([]);
    expect(out.sensors.cpufreq[0]).toMatchObject({ policy: 'policy0', curMHz: 2400, maxMHz: 2400 });
    expect(out.sensors.throttling).toMatchObject({ source: 'rpi_volt' });
    expect(out.sensors.serialPortsListedBy.method).toBe('sysfs');
    expect(out.warnings).toEqual([]);
  });

  it('detect on this machine finds the generic linux x64 board; text output says why', async () => {
    const json = await tinyedge('detect', '--json');
    const text = await tinyedge('detect');
    expect(json.code).toBe(0);
    const out = JSON.parse(json.stdout);
    expect(out.board).toMatchObject({ id: 'generic-linux-x64', matchedBy: 'fallback-arch' });
    expect(out.cpu.utilisation).toBeGreaterThanOrEqual(0);
    expect(out.cpu.utilisation).toBeLessThanOrEqual(1);
    expect(out.powerSources.at(-1)).toEqual({ id: 'estimate', kind: 'estimated' });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^board: Generic Linux x64 \(generic-linux-x64\)\n {2}matched by fallback-arch: /);
  });

  it('a sensor that cannot be read is a warning; no board information at all is an error', async () => {
    const partial = await tinyedge('detect', '--root', broken, '--json');
    const missing = await tinyedge('detect', '--root', '/nonexistent-tinyedge-root', '--json');
    const unknown = await tinyedge('detect', '--board', 'raspberry-pi-9');
    expect(partial.code).toBe(0);
    const out = JSON.parse(partial.stdout);
    expect(out.board.id).toBe('coral-dev-board');
    expect(out.thermal).toEqual([]);
    expect(out.warnings).toEqual([expect.objectContaining({ reading: 'thermal zones', code: 'E_SENSOR' })]);
    expect(out.warnings[0].message).toContain('"n/a"');
    expect(out.sensors.memory.totalMB).toBe(992.1); // the other readings are still there
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout).error).toMatchObject({ code: 'E_NOT_FOUND' });
    expect(JSON.parse(missing.stdout).error.message).toContain('/nonexistent-tinyedge-root/proc/cpuinfo');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error E_BOARD_UNKNOWN: No board profile has the id "raspberry-pi-9"/);
  });
});
