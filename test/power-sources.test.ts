import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { TinyEdgeError } from '../src/errors.js';
import { getBoard } from '../src/hal/boards.js';
import { createCpuUtilisation } from '../src/hal/cpu-utilisation.js';
import { openBatteryPowerSource } from '../src/power/battery-power-source.js';
import { openEstimatePowerSource } from '../src/power/estimate-power-source.js';
import { findHwmonPowerChips, openHwmonPowerSource } from '../src/power/hwmon-power-source.js';
import { openPowerSampler } from '../src/power/open-power-sampler.js';
import { openPowerSource } from '../src/power/open-power-source.js';
import { parsePmicAdc } from '../src/power/parse-pmic-adc.js';
import { openPmicPowerSource } from '../src/power/pmic-power-source.js';
import type { PowerSample } from '../src/power/power-sample.js';
import { openRaplPowerSource } from '../src/power/rapl-power-source.js';

const roots: string[] = [];
afterAll(async () => {
  await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
});

/** A fixture tree: files under a new root directory. */
async function tree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'tinyedge-power-'));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) await put(root, path, text);
  return root;
}

/** Write a file the way sysfs changes: readers see the old value or the new one, never half of it. */
async function put(root: string, path: string, text: string): Promise<void> {
  const file = join(root, path);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
}

/** Call `step` every `everyMs` until stopped, one write at a time (so writes land in order); `stop` waits for the last. */
function writer(step: () => Promise<void>, everyMs: number): { stop: () => Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      await step();
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** The trapezoid rule, by hand. */
function trapezoid(samples: PowerSample[]): number {
  let joules = 0;
  for (let i = 1; i < samples.length; i++) joules += ((samples[i - 1]!.watts + samples[i]!.watts) / 2) * ((samples[i]!.t - samples[i - 1]!.t) / 1000);
  return joules;
}

/** `vcgencmd pmic_read_adc` output captured on a Pi 5 (power-and-telemetry-facts.md §3.1, abridged there). */
const PMIC_FACTS_OUTPUT = [
  ' 3V7_WL_SW_A current(0)=0.09368929A',
  '   3V3_SYS_A current(1)=0.08783370A',
  '  VDD_CORE_A current(7)=6.22421000A',
  '  VDD_CORE_V volt(15)=0.86173300V',
  '      HDMI_V volt(23)=5.08664000V',
  '     EXT5V_V volt(24)=5.09066000V',
  '      BATT_V volt(25)=0.00000000V',
  '',
].join('\n');

/** The twelve rails with both channels, in vcgencmd's layout (currents first, indices differing from the volts'). */
const RAILS = ['3V7_WL_SW', '3V3_SYS', '1V8_SYS', 'DDR_VDD2', 'DDR_VDDQ', '1V1_SYS', '0V8_SW', 'VDD_CORE', '3V3_DAC', '3V3_ADC', '0V8_AON', 'HDMI'];
function fullPmicOutput(amps: (i: number) => number, volts: (i: number) => number): string {
  const lines = RAILS.map((r, i) => `${`${r}_A`.padStart(12)} current(${i})=${amps(i).toFixed(8)}A`);
  lines.push(...RAILS.map((r, i) => `${`${r}_V`.padStart(12)} volt(${i + 12})=${volts(i).toFixed(8)}V`));
  lines.push('     EXT5V_V volt(24)=5.12800000V', '      BATT_V volt(25)=0.00000000V');
  return `${lines.join('\n')}\n`;
}

describe('hwmon', () => {
  it('finds chips by name, not by hwmonN, and integrates a changing INA219 power1_input (µW) against the hand computation', async () => {
    const root = await tree({
      'sys/class/hwmon/hwmon0/name': 'cpu_thermal\n',
      'sys/class/hwmon/hwmon0/temp1_input': '45000\n',
      'sys/class/hwmon/hwmon3/name': 'ina219\n',
      'sys/class/hwmon/hwmon3/power1_input': '2000000\n',
      'sys/class/hwmon/hwmon3/in1_input': '5000\n',
    });
    expect(await findHwmonPowerChips({ root })).toEqual([{ name: 'ina219', dir: join(root, 'sys/class/hwmon/hwmon3'), family: 'ina2xx' }]);
    const s = await openPowerSampler({ root, source: 'hwmon', hz: 50 });
    // A writer changes the value over time: a ramp from 2 W, +1 W per second, updated every 10 ms.
    const t0 = performance.now();
    const ramp = writer(() => put(root, 'sys/class/hwmon/hwmon3/power1_input', `${Math.round((2 + (performance.now() - t0) / 1000) * 1e6)}\n`), 10);
    try {
      await s.whenSampledPast(t0 + 800);
    } finally {
      await ramp.stop();
    }
    const samples = s.recent();
    const summary = s.summary();
    await s.close();
    expect(s.source).toMatchObject({ id: 'hwmon:ina219', kind: 'measured', boundary: 'board-input' });
    expect(summary.samples).toBe(samples.length);
    expect(summary.errors).toBe(0);
    // The values moved: the last sample is well above the first.
    expect(samples.at(-1)!.watts - samples[0]!.watts).toBeGreaterThan(0.4);
    // The sampler's energy is the trapezoid over its samples, to the last digit.
    expect(summary.energyJ).toBeCloseTo(trapezoid(samples), 9);
    // ...and close to the ramp's true energy over the same span (the writer's 10 ms steps and file latency aside).
    const a = (samples[0]!.t - t0) / 1000;
    const b = (samples.at(-1)!.t - t0) / 1000;
    const exact = 2 * (b - a) + (b * b - a * a) / 2;
    expect(Math.abs(summary.energyJ - exact) / exact).toBeLessThan(0.05);
  });

  it('prefers the INA238 energy counter (µJ) and survives a counter reset', async () => {
    const root = await tree({
      'sys/class/hwmon/hwmon1/name': 'ina238\n',
      'sys/class/hwmon/hwmon1/power1_input': '1\n',
      'sys/class/hwmon/hwmon1/energy1_input': '5000000\n',
    });
    const source = await openHwmonPowerSource({ root });
    expect(source.id).toBe('hwmon:ina238');
    expect(await source.read()).toEqual({ type: 'energy', joules: 0 });
    await put(root, 'sys/class/hwmon/hwmon1/energy1_input', '7500000\n');
    expect(await source.read()).toEqual({ type: 'energy', joules: 2.5 });
    await put(root, 'sys/class/hwmon/hwmon1/energy1_input', '250000\n'); // driver reloaded: counts from 0 again
    expect(await source.read()).toEqual({ type: 'energy', joules: 2.75 });
  });

  it('gives the energy an INA238 counter counted, exactly, through the sampler', async () => {
    const root = await tree({ 'sys/class/hwmon/hwmon0/name': 'ina238\n', 'sys/class/hwmon/hwmon0/energy1_input': '1000000\n' });
    const s = await openPowerSampler({ root, source: 'hwmon', hz: 50 });
    await s.whenSampledPast(performance.now()); // the base read happened
    let counter = 1_000_000;
    const counting = writer(async () => {
      counter += 30_000; // 30 mJ per 10 ms: 3 W
      await put(root, 'sys/class/hwmon/hwmon0/energy1_input', `${counter}\n`);
    }, 10);
    await new Promise((r) => setTimeout(r, 400));
    await counting.stop();
    const final = counter;
    await s.whenSampledPast(performance.now() + 60); // a read of the final value
    const summary = s.summary();
    await s.close();
    expect(summary.energyJ).toBeCloseTo((final - 1_000_000) / 1e6, 9);
    expect(summary.peakW).toBeGreaterThan(1);
  });

  it('sums INA3221 channels as bus mV x mA, or uses the total-input channel alone', async () => {
    const channels = {
      'sys/class/hwmon/hwmon2/name': 'ina3221\n',
      'sys/class/hwmon/hwmon2/in1_input': '5000\n', 'sys/class/hwmon/hwmon2/curr1_input': '400\n', 'sys/class/hwmon/hwmon2/in1_label': 'VDD_GPU\n',
      'sys/class/hwmon/hwmon2/in2_input': '3300\n', 'sys/class/hwmon/hwmon2/curr2_input': '100\n', 'sys/class/hwmon/hwmon2/in2_label': 'VDD_CPU\n',
    };
    const rails = await openHwmonPowerSource({ root: await tree(channels) });
    expect(rails).toMatchObject({ id: 'hwmon:ina3221', boundary: 'rails' });
    expect(await rails.read()).toEqual({ type: 'power', watts: 5 * 0.4 + 3.3 * 0.1 });
    const total = await openHwmonPowerSource({
      root: await tree({ ...channels, 'sys/class/hwmon/hwmon2/in3_input': '5100\n', 'sys/class/hwmon/hwmon2/curr3_input': '1200\n', 'sys/class/hwmon/hwmon2/in3_label': 'POM_5V_IN\n' }),
    });
    expect(total).toMatchObject({ boundary: 'board-input' });
    expect(total.label).toContain('POM_5V_IN');
    expect(((await total.read()) as { watts: number }).watts).toBeCloseTo(5.1 * 1.2, 12);
  });

  it('says which chips it looked for when none is there', async () => {
    const root = await tree({ 'sys/class/hwmon/hwmon0/name': 'cpu_thermal\n' });
    const err = await openHwmonPowerSource({ root, chips: ['ina226'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TinyEdgeError);
    expect((err as TinyEdgeError).code).toBe('E_NOT_FOUND');
    expect((err as TinyEdgeError).message).toContain('ina226');
    expect((err as TinyEdgeError).message).toContain('cpu_thermal');
  });
});

describe('RAPL', () => {
  const MAX = 262143328850; // max_energy_range_uj seen on many Intel machines
  const raplTree = (energy: number): Promise<string> => tree({
    'sys/class/powercap/intel-rapl:0/name': 'package-0\n',
    'sys/class/powercap/intel-rapl:0/energy_uj': `${energy}\n`,
    'sys/class/powercap/intel-rapl:0/max_energy_range_uj': `${MAX}\n`,
    'sys/class/powercap/intel-rapl:0:0/name': 'core\n', // nested in the package: never added
    'sys/class/powercap/intel-rapl:0:0/energy_uj': '999999999\n',
    'sys/class/powercap/intel-rapl:0:0/max_energy_range_uj': `${MAX}\n`,
    'sys/class/powercap/intel-rapl:1/name': 'psys\n', // contains the package: never added
    'sys/class/powercap/intel-rapl:1/energy_uj': '123\n',
    'sys/class/powercap/intel-rapl:1/max_energy_range_uj': `${MAX}\n`,
  });

  it('reads the package domain only and adds max_energy_range_uj when the counter wraps', async () => {
    const root = await raplTree(MAX - 1_000_000);
    const rapl = await openRaplPowerSource({ root });
    expect(rapl).toMatchObject({ id: 'rapl:package-0', kind: 'measured', boundary: 'package' });
    expect(rapl.label).toContain('CPU package only');
    expect(await rapl.read()).toEqual({ type: 'energy', joules: 0 });
    await put(root, 'sys/class/powercap/intel-rapl:0/energy_uj', `${MAX - 400_000}\n`);
    await put(root, 'sys/class/powercap/intel-rapl:1/energy_uj', '99999999\n'); // psys moves a lot: ignored
    expect(await rapl.read()).toEqual({ type: 'energy', joules: 0.6 });
    await put(root, 'sys/class/powercap/intel-rapl:0/energy_uj', '2600000\n'); // wrapped: 0.4 J to the top, 2.6 J after
    expect(((await rapl.read()) as { joules: number }).joules).toBeCloseTo(0.6 + 0.4 + 2.6, 9);
  });

  it('integrates across a wrap through the sampler', async () => {
    const root = await raplTree(MAX - 200_000);
    const s = await openPowerSampler({ root, source: 'rapl', hz: 50 });
    await s.whenSampledPast(performance.now());
    let raw = MAX - 200_000;
    let counted = 0;
    const counting = writer(async () => {
      raw = (raw + 50_000) % MAX; // 5 W in 10 ms steps; wraps after 40 ms
      counted += 50_000;
      await put(root, 'sys/class/powercap/intel-rapl:0/energy_uj', `${raw}\n`);
    }, 10);
    await new Promise((r) => setTimeout(r, 300));
    await counting.stop();
    await s.whenSampledPast(performance.now() + 60);
    const summary = s.summary();
    await s.close();
    expect(counted).toBeGreaterThan(200_000); // the counter did wrap
    expect(summary.energyJ).toBeCloseTo(counted / 1e6, 9);
  });

  it('explains the root-only energy_uj (CVE-2020-8694) when it cannot be read', async (ctx) => {
    const root = await raplTree(1000);
    await chmod(join(root, 'sys/class/powercap/intel-rapl:0/energy_uj'), 0o400);
    let result: { code?: string; hint?: string };
    if (process.getuid?.() === 0) {
      // root reads anything: run the check as `nobody`, like an ordinary user.
      await chmod(root, 0o755);
      const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
      const module = pathToFileURL(join(import.meta.dirname, '../src/power/rapl-power-source.ts')).href;
      const script = `import(${JSON.stringify(module)}).then((m) => m.openRaplPowerSource({ root: ${JSON.stringify(root)} }))`
        + '.then(() => console.log("{}"), (e) => console.log(JSON.stringify({ code: e.code, hint: e.hint })));';
      const out = await new Promise<{ text: string; err: string }>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], { uid: 65534, gid: 65534, stdio: ['ignore', 'pipe', 'pipe'] });
        let text = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => { text += d.toString(); });
        child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
        child.on('error', reject);
        child.on('exit', () => resolve({ text, err }));
      });
      // A checkout that `nobody` cannot read (e.g. under /root) cannot host this check.
      if (out.text.trim() === '' && /EACCES|permission denied/i.test(out.err)) ctx.skip();
      expect(out.text.trim(), out.err).not.toBe('');
      result = JSON.parse(out.text.trim().split('\n').at(-1)!) as { code?: string; hint?: string };
    } else {
      result = await openRaplPowerSource({ root }).then(() => ({}), (e: TinyEdgeError) => ({ code: e.code, hint: e.hint }));
    }
    expect(result.code).toBe('E_PERMISSION');
    expect(result.hint).toContain('CVE-2020-8694');
    expect(result.hint).toContain('chmod');
  });
});

describe('Raspberry Pi 5 PMIC', () => {
  it('parses the output in the facts file: rails paired by name, not index; voltage-only channels apart', () => {
    const reading = parsePmicAdc(PMIC_FACTS_OUTPUT);
    expect(reading.rails).toEqual([{ rail: 'VDD_CORE', volts: 0.861733, amps: 6.22421, watts: 0.861733 * 6.22421 }]);
    expect(reading.totalW).toBeCloseTo(5.3636, 4);
    expect(reading.voltageOnly).toEqual({ HDMI: 5.08664, EXT5V: 5.09066, BATT: 0 });
  });

  it('sums all twelve rails and labels the source as SoC rails, not wall power', async () => {
    const amps = (i: number): number => 0.05 * (i + 1);
    const volts = (i: number): number => 0.8 + 0.1 * i;
    let expected = 0;
    for (let i = 0; i < 12; i++) expected += amps(i) * volts(i);
    const calls: string[] = [];
    const runCommand = async (command: string, args: readonly string[]): Promise<string> => {
      calls.push(`${command} ${args.join(' ')}`);
      return fullPmicOutput(amps, volts);
    };
    const pmic = await openPmicPowerSource({ runCommand });
    expect(pmic).toMatchObject({ id: 'pmic', kind: 'measured', boundary: 'rails' });
    expect(pmic.label).toContain('SoC rails, not wall power');
    expect(parsePmicAdc(fullPmicOutput(amps, volts)).rails).toHaveLength(12);
    const r = (await pmic.read()) as { watts: number };
    expect(r.watts).toBeCloseTo(expected, 9);
    expect(calls).toEqual(['vcgencmd pmic_read_adc', 'vcgencmd pmic_read_adc']);
  });

  it('is not found where vcgencmd reports no rails', async () => {
    const err = await openPmicPowerSource({ runCommand: async () => 'error=1 error_msg="Command not registered"\n' }).catch((e: unknown) => e);
    expect((err as TinyEdgeError).code).toBe('E_NOT_FOUND');
  });
});

describe('battery', () => {
  it('reads power_now (µW), or voltage_now x current_now (µV x µA) as a magnitude', async () => {
    const root = await tree({
      'sys/class/power_supply/AC/type': 'Mains\n',
      'sys/class/power_supply/BAT0/type': 'Battery\n',
      'sys/class/power_supply/BAT0/status': 'Discharging\n',
      'sys/class/power_supply/BAT0/power_now': '6250000\n',
      'sys/class/power_supply/BAT1/type': 'Battery\n',
      'sys/class/power_supply/BAT1/status': 'Discharging\n',
      'sys/class/power_supply/BAT1/voltage_now': '3900000\n',
      'sys/class/power_supply/BAT1/current_now': '-850000\n',
    });
    const bat0 = await openBatteryPowerSource({ root });
    expect(bat0).toMatchObject({ id: 'battery:BAT0', boundary: 'battery' });
    expect(await bat0.read()).toEqual({ type: 'power', watts: 6.25 });
    const bat1 = await openBatteryPowerSource({ root, name: 'BAT1' });
    expect(((await bat1.read()) as { watts: number }).watts).toBeCloseTo(3.9 * 0.85, 12);
  });
});

describe('auto and estimate', () => {
  const noVcgencmd = async (): Promise<string> => {
    throw new TinyEdgeError('E_NOT_FOUND', 'vcgencmd is not installed (or not on PATH).', 'Install it.');
  };

  it('picks the widest measured boundary present and says what it skipped', async () => {
    const root = await tree({
      'sys/class/power_supply/BAT0/type': 'Battery\n',
      'sys/class/power_supply/BAT0/status': 'Charging\n',
      'sys/class/power_supply/BAT0/power_now': '9000000\n',
      'sys/class/powercap/intel-rapl:0/name': 'package-0\n',
      'sys/class/powercap/intel-rapl:0/energy_uj': '1\n',
      'sys/class/powercap/intel-rapl:0/max_energy_range_uj': '1000000\n',
    });
    const { source, candidates } = await openPowerSource({ root, runCommand: noVcgencmd });
    expect(source.id).toBe('rapl:package-0');
    expect(candidates.map((c) => [c.name, c.available])).toEqual([['hwmon', false], ['battery', false], ['pmic', false], ['rapl', true]]);
    expect(candidates[1]!.detail).toContain('no discharging battery');
    await put(root, 'sys/class/power_supply/BAT0/status', 'Discharging\n');
    expect((await openPowerSource({ root, runCommand: noVcgencmd })).source.id).toBe('battery:BAT0');
    await put(root, 'sys/class/hwmon/hwmon5/name', 'ina226\n');
    await put(root, 'sys/class/hwmon/hwmon5/power1_input', '4000000\n');
    expect((await openPowerSource({ root, runCommand: noVcgencmd })).source.id).toBe('hwmon:ina226');
  });

  it('falls back to the estimate, labelled estimated, from CPU utilisation in /proc/stat', async () => {
    const board = await getBoard('simulated'); // 2 W idle, 6 W load
    const root = await tree({ 'proc/stat': 'cpu  100 0 100 800 0 0 0 0 0 0\n' });
    const s = await openPowerSampler({ root, board, hz: 20, runCommand: noVcgencmd });
    expect(s.source).toMatchObject({ id: 'estimate', kind: 'estimated', boundary: 'model' });
    expect(s.source.label).toContain('not a measurement');
    expect(s.candidates).toEqual([]); // the simulated board lists no sensors
    // 300 busy of 400 ticks (75 %): 2 + 0.75 x 4 = 5 W.
    await put(root, 'proc/stat', 'cpu  250 0 250 900 0 0 0 0 0 0\n');
    const seen: number[] = [];
    s.on('sample', (x) => {
      expect(x.kind).toBe('estimated');
      seen.push(x.watts);
    });
    await s.whenSampledPast(performance.now() + 100);
    await s.close();
    expect(seen).toContain(5);
  });

  it('refuses a profile without idle and load watts for the estimate', async () => {
    const board = await getBoard('simulated');
    const utilisation = createCpuUtilisation({ root: await tree({ 'proc/stat': 'cpu  1 0 1 8 0 0 0 0 0 0\n' }) });
    await expect(openEstimatePowerSource({ board: { ...board, power: { ...board.power, loadW: 1 } }, utilisation })).rejects.toThrow(RangeError);
  });

  it('names a source that is not there', async () => {
    const root = await tree({});
    await expect(openPowerSource({ root, source: 'rapl' })).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    await expect(openPowerSource({ root, source: 'battery:BAT9' })).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    await expect(openPowerSource({ root, source: 'serial:' })).rejects.toThrow(RangeError);
    await expect(openPowerSource({ root, source: 'serial:/dev/x,protocol=foo' })).rejects.toThrow(RangeError);
  });
});
