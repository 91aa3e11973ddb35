import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addModel, perChannelModel } from './support/sample-tflite-models.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Run { code: number; stdout: string; stderr: string }

/** Runs the CLI from source as users of `npm run tinyedge` do. */
function tinyedge(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, stdout, stderr });
      });
  });
}

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tinyedge-cli-inspect-'));
  await writeFile(join(dir, 'add.tflite'), addModel());
  await mkdir(join(dir, 'bundle'));
  await writeFile(join(dir, 'bundle', 'weights.tflite'), perChannelModel());
  await writeFile(join(dir, 'bundle', 'manifest.json'),
    JSON.stringify({ name: 'tiny-test', version: '1.2.3', quantization: 'int8', model: 'weights.tflite' }));
  await mkdir(join(dir, 'plain-bundle'));
  await writeFile(join(dir, 'plain-bundle', 'model.tflite'), addModel());
  await writeFile(join(dir, 'plain-bundle', 'manifest.json'), JSON.stringify({ name: 'plain', version: '0.1.0', quantization: 'none' }));
  const corrupt = addModel();
  corrupt.fill(0xff, 12, 40);
  await writeFile(join(dir, 'corrupt.tflite'), corrupt);
});
afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe.concurrent('tinyedge inspect', () => {
  it('prints a text report for a .tflite file', async () => {
    const r = await tinyedge('inspect', join(dir, 'add.tflite'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`model: ${join(dir, 'add.tflite')}\n`);
    expect(r.stdout).toContain('1 subgraph, 1 operator, 3 tensors, 4 parameters');
    expect(r.stdout).toContain('inputs\n  x  float32  [1, 4]');
    expect(r.stdout).toContain('operators\n  ADD  1');
  });

  it('prints one JSON object with --json', async () => {
    const r = await tinyedge('inspect', join(dir, 'add.tflite'), '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.path).toBe(join(dir, 'add.tflite'));
    expect(out.bundle).toBeNull();
    expect(out.summary).toMatchObject({
      fileSize: addModel().length, operatorCount: 1, tensorCount: 3, parameterCount: 4,
      operators: [{ name: 'ADD', count: 1 }],
      bytesByDtype: [{ dtype: 'float32', parameters: 4, bytes: 16 }],
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 4] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: [1, 4] }],
      signatures: ['serving_default'],
    });
  });

  it('reads the model a bundle manifest names, with its name, version and quantization', async () => {
    const text = await tinyedge('inspect', join(dir, 'bundle'));
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`model: ${join(dir, 'bundle', 'weights.tflite')}\n`);
    expect(text.stdout).toMatch(/name: tiny-test\n\s+version: 1\.2\.3\n\s+quantization: int8/);
    expect(text.stdout).toMatch(/int8 +6 +6 +100\.0%/);
    const json = JSON.parse((await tinyedge('inspect', join(dir, 'bundle'), '--json')).stdout);
    expect(json.bundle).toEqual({ path: join(dir, 'bundle'), name: 'tiny-test', version: '1.2.3', quantization: 'int8', windowModel: null });
    expect(json.summary.operators.map((o: { name: string }) => o.name)).toEqual(['ADD', 'DEQUANTIZE']);
  });

  it('falls back to model.tflite when the manifest names no model', async () => {
    const r = await tinyedge('inspect', join(dir, 'plain-bundle'), '--json');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.path).toBe(join(dir, 'plain-bundle', 'model.tflite'));
    expect(json.bundle.name).toBe('plain');
  });

  it('reports a missing path as E_NOT_FOUND with a hint, exit code 1', async () => {
    const missing = join(dir, 'no-such-model.tflite');
    const text = await tinyedge('inspect', missing);
    expect(text.code).toBe(1);
    expect(text.stdout).toBe('');
    expect(text.stderr).toMatch(/^error E_NOT_FOUND: .*no-such-model\.tflite.*\nhint: \S.*\n$/);
    const json = await tinyedge('inspect', missing, '--json');
    expect(json.code).toBe(1);
    const { error } = JSON.parse(json.stdout);
    expect(error.code).toBe('E_NOT_FOUND');
    expect(error.message).toContain('no-such-model.tflite');
    expect(error.hint.length).toBeGreaterThan(10);
  });

  it('reports a corrupt file as E_MODEL_FORMAT, exit code 1', async () => {
    const text = await tinyedge('inspect', join(dir, 'corrupt.tflite'));
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/^error E_MODEL_FORMAT: .*corrupt\.tflite: .*byte offset \d+.*\nhint: \S/);
    const json = await tinyedge('inspect', join(dir, 'corrupt.tflite'), '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).error.code).toBe('E_MODEL_FORMAT');
  });

  it('exits with code 2 on usage errors, and 0 for --help and --version', async () => {
    const missingArg = await tinyedge('inspect');
    expect(missingArg.code).toBe(2);
    expect(missingArg.stderr).toMatch(/^error E_USAGE: missing required argument 'path'\nhint: /);
    const unknown = await tinyedge('inspect', join(dir, 'add.tflite'), '--frobnicate', '--json');
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stdout).error.code).toBe('E_USAGE');
    const help = await tinyedge('inspect', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: tinyedge inspect [options] <path>');
    const version = await tinyedge('--version');
    expect(version.code).toBe(0);
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
    expect(version.stdout.trim()).toBe(pkg.version);
  });
});
