import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTinyLlamaBundle, type TinyLlamaBundle } from '../src/testing/index.js';

const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const tripwire = fileURLToPath(new URL('./support/network-tripwire.cjs', import.meta.url));
const cli = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

/** Run node with the tripwire preloaded; resolves with the exit code, output and recorded attempts. */
async function withTripwire(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; attempts: string[]; armedThreads: number[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'tinyedge-tripwire-'));
  const log = join(dir, 'attempts.log');
  const armed = join(dir, 'armed.log');
  await writeFile(log, '');
  await writeFile(armed, '');
  const child = spawn(process.execPath, ['--require', tripwire, '--import', tsx, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TINYEDGE_TRIPWIRE: log, TINYEDGE_TRIPWIRE_ARMED: armed },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const attempts = (await readFile(log, 'utf8')).split('\n').filter(Boolean);
  const armedThreads = (await readFile(armed, 'utf8')).split('\n').filter(Boolean).map(Number);
  return { code, stdout, stderr, attempts, armedThreads };
}

describe('privacy: the runtime never touches the network', () => {
  let tiny: TinyLlamaBundle;
  beforeAll(async () => {
    tiny = await createTinyLlamaBundle({ quantize: 'int8' });
  });

  it('the tripwire sees an attempt when there is one (positive control)', async () => {
    const script = join(tiny.dir, 'fetcher.mjs');
    await writeFile(script, "try { await fetch('http://127.0.0.1:9/'); } catch {}\n");
    const { attempts } = await withTripwire([script]);
    expect(attempts).toEqual(['fetch http://127.0.0.1:9/']);
  });

  it('loading a bundle and generating makes no network attempt, in the main thread or the worker', async () => {
    const { code, stdout, stderr, attempts, armedThreads } = await withTripwire([
      cli, 'generate', '--model', tiny.dir, '--prompt', 'Once upon a time', '--max-tokens', '16', '--temperature', '0', '--json',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout).stats.generatedTokens).toBeGreaterThan(0);
    // The main thread and the inference worker were both guarded...
    expect(armedThreads).toContain(0);
    expect(armedThreads.some((id) => id > 0)).toBe(true);
    // ...and nothing tried to reach the network.
    expect(attempts).toEqual([]);
  });

  it('a network location is refused before anything is fetched', async () => {
    const { code, stdout, attempts } = await withTripwire([cli, 'generate', '--model', 'https://example.com/model', '--json']);
    expect(code).toBe(1);
    expect(JSON.parse(stdout).error.code).toBe('E_NETWORK_REFUSED');
    expect(attempts).toEqual([]);
  });
});
