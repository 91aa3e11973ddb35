import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCommand } from '../src/cli/generate-command.js';
import type { GenerateJson } from '../src/cli/generate-command.js';
import { powerCommand } from '../src/cli/power-command.js';
import type { PowerJson } from '../src/cli/power-command.js';
import { createTinyLlamaBundle } from '../src/testing/create-tiny-llama-bundle.js';
import { inProcess, tinyedge } from './support/run-cli.js';





const dirs: string[] = [];
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tinyedge-cli-power-'));
  dirs.push(root);
  for (const [path, text] of Object.entries({
    'sys/class/hwmon/hwmon0/name': 'cpu_thermal\n',
    'sys/class/hwmon/hwmon1/name': 'ina226\n',
    'sys/class/hwmon/hwmon1/power1_input': '3200000\n',
  })) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
});

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('tinyedge power', () => {
  it('--json prints one summary object at the end', async () => {
    const run = await inProcess(powerCommand, '--root', root, '--source', 'hwmon', '--hz', '20', '--duration', '0.5', '--json');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const body = JSON.parse(lines[0]!) as PowerJson;
    expect(Object.keys(body).sort()).toEqual(['avgW', 'durationS', 'energyJ', 'errors', 'kind', 'label', 'peakW', 'samples', 'source'].sort());
    expect(body).toMatchObject({ source: 'hwmon:ina226', kind: 'measured', errors: 0, peakW: 3.2 });
    expect(body.samples).toBeGreaterThanOrEqual(5);
    expect(body.avgW).toBeCloseTo(3.2, 9);
    expect(body.energyJ).toBeCloseTo(3.2 * body.durationS, 9);
  });

  it('prints the source, a live line per second and a summary, from the real bin', async () => {
    const run = await tinyedge('power', '--root', root, '--hz', '10', '--duration', '1.3');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^source: hwmon:ina226 \(measured\)/);
    expect(run.stdout).toMatch(/^sampling at 10 Hz$/m);
    expect(run.stdout).toMatch(/^\s+1\.\d s\s+3\.200 W\s+mean\(1 s\) 3\.200 W/m);
    expect(run.stdout).toMatch(/\d+ samples over 1\.\d s: \d+\.\d\d J, mean 3\.200 W, peak 3\.200 W, 0 read errors \(measured\)/);
  });

  it('fails with a code and a hint for a missing source, and with E_USAGE for bad options', async () => {
    const missing = await inProcess(powerCommand, '--root', root, '--source', 'rapl', '--duration', '0.2', '--json');
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toMatchObject({ error: { code: 'E_NOT_FOUND' } });
    const hz = await inProcess(powerCommand, '--root', root, '--hz', 'fast');
    expect(hz.code).toBe(2);
    expect(hz.stderr).toMatch(/error E_USAGE: --hz must be a number/);
    const duration = await inProcess(powerCommand, '--root', root, '--duration', '-1');
    expect(duration.code).toBe(2);
  });
});

describe('tinyedge generate --power', () => {
  it('adds the energy report to the JSON result, labelled estimated for the estimate', async () => {
    const tiny = await createTinyLlamaBundle({ seed: 2 });
    dirs.push(tiny.dir);
    const run = await inProcess(generateCommand, '--model', tiny.dir, '--prompt', 'Once', '--temperature', '0', '--max-tokens', '8', '--power', 'estimate', '--json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const body = JSON.parse(run.stdout) as GenerateJson;
    expect(body.energy).toBeDefined();
    const energy = body.energy!;
    expect(energy).toMatchObject({ kind: 'estimated', source: 'estimate', generatedTokens: body.stats.generatedTokens });
    expect(energy.joules).toBeGreaterThan(0);
    expect(energy.joulesPerToken).toBeCloseTo(energy.joules / energy.generatedTokens, 12);
    expect(energy.badge).toMatch(/^[A-G]$/);
    const text = await inProcess(generateCommand, '--model', tiny.dir, '--prompt', 'Once', '--temperature', '0', '--max-tokens', '4', '--power', 'estimate');
    expect(text.code).toBe(0);
    expect(text.stderr).toMatch(/energy: \d+\.\d{3} J \(\d+\.\d{4} J\/token, badge [A-G]\), mean \d+\.\d\d W, peak \d+\.\d\d W \[estimate, estimated/);
  });
});
