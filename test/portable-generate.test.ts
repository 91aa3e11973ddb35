/**
 * The portable backend behind `loadModel` and `tinyedge generate`: choosing
 * it (option, `TINYEDGE_BACKEND`, `auto`), reporting it (`model.backend`,
 * `stats.backend`), and greedy generation giving the very text the native
 * backend gives, bundle by bundle (the converted test checkpoints and every
 * bundle shipped in models/).
 *
 * Everything here runs in the inference worker; nothing loads the native
 * addon on the test's own thread.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateCommand } from '../src/cli/generate-command.js';
import { loadModel } from '../src/runtime/load-model.js';
import type { Model } from '../src/runtime/model.js';
import { packageRoot } from '../src/runtime/package-root.js';
import { BACKEND_ENV, nativePlatformSupported, resolveBackendOption } from '../src/runtime/portable/choose-runner-backend.js';
import { createTinyLlamaBundle } from '../src/testing/create-tiny-llama-bundle.js';
import { inProcess } from './support/run-cli.js';

const PROMPT = 'Once upon a time';

const tinyFp32Window = await createTinyLlamaBundle({ quantize: 'none', windowRows: 16, seed: 9 });
const tinyInt8 = await createTinyLlamaBundle({ quantize: 'int8', windowRows: 0, seed: 10 });

function shippedBundles(): string[] {
  const dir = join(packageRoot(), 'models');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'manifest.json')))
    .map((d) => join(dir, d.name));
}

const bundles: Array<[string, string]> = [
  ['tiny fp32 with a window model', tinyFp32Window.dir],
  ['tiny int8, KV cache in resource variables', tinyInt8.dir],
  ...shippedBundles().map((dir): [string, string] => [`shipped ${dir.split(/[\\/]/).pop()}`, dir]),
];

// One model stays loaded for the whole file, so every load below reuses one inference
// worker (and one tfjs) instead of starting a new one each time the last model closes.
let keeper: Model;
beforeAll(async () => {
  keeper = await loadModel(tinyInt8.dir, { runner: { kind: 'fake-llama', weights: tinyInt8.weights } });
});
afterAll(async () => {
  await keeper.close();
});

afterEach(() => {
  delete process.env[BACKEND_ENV];
});

describe.each(bundles)('greedy generation is the same text on both backends: %s', (_label, dir) => {
  it('same text, same tokens; each reports its backend', async () => {
    const outputs = [];
    for (const backend of ['native', 'portable'] as const) {
      await using model = await loadModel(dir, { backend });
      expect(model.backend).toBe(backend);
      const result = await model.generate(PROMPT, { maxTokens: 48, temperature: 0 }).result;
      expect(result.stats.backend).toBe(backend);
      outputs.push(result);
    }
    const [native, portable] = outputs;
    expect(portable!.text).toBe(native!.text);
    expect(portable!.tokens).toEqual(native!.tokens);
    expect(portable!.tokens.length).toBeGreaterThan(0);
  });
});

describe('choosing the backend', () => {
  it('auto runs native where its library loads (here), and TINYEDGE_BACKEND sets the default', async () => {
    await using auto = await loadModel(tinyInt8.dir, { backend: 'auto' });
    expect(auto.backend).toBe(nativePlatformSupported() ? 'native' : 'portable');
    process.env[BACKEND_ENV] = 'portable';
    await using fromEnv = await loadModel(tinyInt8.dir);
    expect(fromEnv.backend).toBe('portable');
    await using explicit = await loadModel(tinyInt8.dir, { backend: 'native' });
    expect(explicit.backend).toBe('native');
  });

  it('refuses an unknown backend, named or from the environment, as a TypeError', async () => {
    await expect(loadModel(tinyInt8.dir, { backend: 'gpu' as never })).rejects.toThrow(/backend must be 'native', 'portable' or 'auto', found "gpu"/);
    expect(() => resolveBackendOption(undefined, { [BACKEND_ENV]: 'wasm' })).toThrow(TypeError);
    expect(resolveBackendOption(undefined, {})).toBe('auto');
    expect(resolveBackendOption(undefined, { [BACKEND_ENV]: 'native' })).toBe('native');
  });

  it('knows where the native library is shipped', () => {
    expect(nativePlatformSupported('linux', 'x64')).toBe(true);
    expect(nativePlatformSupported('linux', 'arm64')).toBe(true);
    expect(nativePlatformSupported('linux', 'arm')).toBe(false);
    expect(nativePlatformSupported('darwin', 'x64')).toBe(false);
  });

  it('a fake runner reports backend "fake"', async () => {
    expect(keeper.backend).toBe('fake');
    expect((await keeper.generate('', { maxTokens: 2, temperature: 0 }).result).stats.backend).toBe('fake');
  });
});


describe('tinyedge generate --backend', () => {
  it('runs the portable backend and says so, in JSON and on stderr', async () => {
    const json = await inProcess(generateCommand, '--model', tinyFp32Window.dir, '--prompt', PROMPT, '--max-tokens', '8', '--temperature', '0', '--backend', 'portable', '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).stats.backend).toBe('portable');
    const text = await inProcess(generateCommand, '--model', tinyFp32Window.dir, '--prompt', PROMPT, '--max-tokens', '8', '--temperature', '0', '--backend', 'portable');
    expect(text.stderr).toMatch(/portable backend\)/);
  });

  it('refuses an unknown backend with E_USAGE', async () => {
    const run = await inProcess(generateCommand, '--model', tinyFp32Window.dir, '--backend', 'gpu', '--json');
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).error.code).toBe('E_USAGE');
  });
});
