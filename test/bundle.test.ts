import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { TinyEdgeError } from '../src/errors.js';
import { parseBundleManifest } from '../src/runtime/bundle-manifest.js';
import type { BundleManifest } from '../src/runtime/bundle-manifest.js';
import { loadModel } from '../src/runtime/load-model.js';
import { readBundle } from '../src/runtime/read-bundle.js';
import { resolveModelLocation } from '../src/runtime/resolve-model-location.js';
import { writeBundle } from '../src/runtime/write-bundle.js';
import type { WriteBundleOptions } from '../src/runtime/write-bundle.js';

const config = { dim: 32, hiddenDim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, vocabSize: 384, seqLen: 64, sharedClassifier: true };
const options: WriteBundleOptions = {
  name: 'tiny',
  config,
  quantization: 'int8',
  model: Uint8Array.from({ length: 1000 }, (_, i) => i % 251),
  tokenizer: { kind: 'llama2c', bytes: Uint8Array.from({ length: 300 }, (_, i) => (i * 7) % 256) },
  licence: 'MIT',
};

let root: string;
let good: string;
let manifest: BundleManifest;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tinyedge-bundle-test-'));
  good = join(root, 'good');
  manifest = await writeBundle(good, options);
});

/** Copy the good bundle to a new directory, letting `edit` change its manifest or files. */
async function variant(name: string, edit: (m: Record<string, unknown>, dir: string) => Promise<void> | void): Promise<string> {
  const dir = join(root, name);
  await writeBundle(dir, options);
  const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  await edit(m, dir);
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(m));
  return dir;
}

async function rejection(p: Promise<unknown>): Promise<TinyEdgeError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(TinyEdgeError);
  return err as TinyEdgeError;
}

describe('writeBundle / readBundle', () => {
  it('writes a manifest with hashes and reads the files back', async () => {
    expect(manifest).toMatchObject({
      formatVersion: 1, name: 'tiny', version: '0.1.0', family: 'llama', quantization: 'int8', contextLength: 64,
      model: 'model.tflite', tokenizer: { file: 'tokenizer.bin', kind: 'llama2c' }, licence: 'MIT',
    });
    expect(manifest.files['model.tflite']).toEqual({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/), bytes: 1000 });
    const bundle = await readBundle(good);
    expect(bundle.manifest).toEqual(manifest);
    expect(bundle.model).toEqual(options.model);
    expect(bundle.tokenizer).toEqual(options.tokenizer.bytes);
  });

  it('refuses to write into a non-empty directory that is not a bundle', async () => {
    const dir = join(root, 'busy');
    await mkdir(dir);
    await writeFile(join(dir, 'notes.txt'), 'mine');
    expect((await rejection(writeBundle(dir, options))).code).toBe('E_IO');
  });

  it('rejects bad writer options with a RangeError naming the field', async () => {
    await expect(writeBundle(join(root, 'bad-opts'), { ...options, name: 'no spaces' })).rejects.toThrow(/"name"/);
    await expect(writeBundle(join(root, 'bad-opts'), { ...options, contextLength: 65 })).rejects.toThrow(RangeError);
  });

  it('names the file whose hash does not match', async () => {
    const dir = await variant('tampered', async (_m, d) => {
      const bytes = await readFile(join(d, 'model.tflite'));
      bytes[10] = bytes[10]! ^ 1;
      await writeFile(join(d, 'model.tflite'), bytes);
    });
    const err = await rejection(readBundle(dir));
    expect(err.code).toBe('E_BUNDLE_HASH');
    expect(err.message).toContain('model.tflite');
    expect(err.hint).not.toBe('');
  });

  it('names the file whose size does not match', async () => {
    const dir = await variant('truncated', async (_m, d) => {
      await writeFile(join(d, 'tokenizer.bin'), options.tokenizer.bytes.subarray(0, 100));
    });
    const err = await rejection(readBundle(dir));
    expect(err.code).toBe('E_BUNDLE_HASH');
    expect(err.message).toMatch(/tokenizer\.bin has 100 bytes/);
  });

  it('reports a listed file that is missing', async () => {
    const dir = await variant('missing-file', (m) => {
      (m.files as Record<string, unknown>)['extra.bin'] = { sha256: '0'.repeat(64), bytes: 1 };
    });
    const err = await rejection(readBundle(dir));
    expect(err.code).toBe('E_NOT_FOUND');
    expect(err.message).toContain('extra.bin');
  });
});

describe('manifest validation', () => {
  const cases: Array<[string, (m: Record<string, unknown>) => void, RegExp]> = [
    ['missing name', (m) => delete m.name, /field "name"/],
    ['unknown field', (m) => (m.colour = 'blue'), /field "colour" must be absent/],
    ['wrong family', (m) => (m.family = 'gpt2'), /field "family" must be "llama", found "gpt2"/],
    ['bad quantization', (m) => (m.quantization = 'int4'), /field "quantization"/],
    ['context beyond seqLen', (m) => (m.contextLength = 65), /field "contextLength" must be an integer in \[1, 64\]/],
    ['non-integer dim', (m) => ((m.hyperparameters as Record<string, unknown>).dim = 32.5), /field "hyperparameters.dim"/],
    ['bad head split', (m) => ((m.hyperparameters as Record<string, unknown>).nKvHeads = 3), /field "hyperparameters.nKvHeads"/],
    ['tokenizer kind', (m) => ((m.tokenizer as Record<string, unknown>).kind = 'sentencepiece'), /field "tokenizer.kind"/],
    ['path escape', (m) => (m.model = '../model.tflite'), /field "model"/],
    ['bad hash', (m) => ((m.files as Record<string, Record<string, unknown>>)['model.tflite']!.sha256 = 'XYZ'), /field "files\["model.tflite"\].sha256"/],
    ['unlisted model', (m) => delete (m.files as Record<string, unknown>)['model.tflite'], /files\["model.tflite"\]/],
    ['empty licence', (m) => (m.licence = ''), /field "licence"/],
    ['old format', (m) => (m.formatVersion = 0), /field "formatVersion"/],
    ['window as long as the context', (m) => (m.windowModel = { file: 'model.tflite', rows: 16 }), /field "windowModel.file"/],
    ['window rows not below seqLen', (m) => (m.windowModel = { file: 'w.tflite', rows: 64 }), /field "windowModel.rows" must be an integer in \[1, 63\]/],
    ['unlisted window model', (m) => (m.windowModel = { file: 'w.tflite', rows: 16 }), /files\["w.tflite"\]/],
  ];
  it.each(cases)('%s', (_name, edit, message) => {
    const m = JSON.parse(JSON.stringify(manifest)) as Record<string, unknown>;
    edit(m);
    let err: unknown;
    try {
      parseBundleManifest(m);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TinyEdgeError);
    expect((err as TinyEdgeError).code).toBe('E_BUNDLE_MANIFEST');
    expect((err as TinyEdgeError).message).toMatch(message);
  });

  it('survives a few thousand mutated manifests: valid, or E_BUNDLE_MANIFEST, nothing else', () => {
    let seed = 12345;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const junk: unknown[] = [null, true, 0, -1, 1.5, 1e300, '', 'x', '../etc', [], {}, [1, 2], { a: 1 }, 'int8', 64, 'llama'];
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const m = JSON.parse(JSON.stringify(manifest)) as Record<string, unknown>;
      for (let k = 1 + random(3); k > 0; k--) {
        // pick a container (the root or one of its object fields) and change one of its keys
        const containers = [m, ...Object.values(m).filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null)];
        const target = containers[random(containers.length)]!;
        const keys = Object.keys(target);
        const key = random(5) === 0 ? `extra${random(3)}` : keys[random(keys.length)] ?? 'x';
        if (random(4) === 0) delete target[key];
        else target[key] = junk[random(junk.length)];
      }
      try {
        parseBundleManifest(m);
        accepted++;
      } catch (err) {
        expect(err).toBeInstanceOf(TinyEdgeError);
        expect((err as TinyEdgeError).code).toBe('E_BUNDLE_MANIFEST');
      }
    }
    expect(accepted).toBeLessThan(3000);
  });

  it('reports a manifest that is not JSON, or absent', async () => {
    const dir = join(root, 'not-json');
    await writeBundle(dir, options);
    await writeFile(join(dir, 'manifest.json'), '{ "name": ');
    const err = await rejection(readBundle(dir));
    expect(err.code).toBe('E_BUNDLE_MANIFEST');
    expect(err.message).toMatch(/not valid JSON/);
    const empty = join(root, 'empty');
    await mkdir(empty);
    expect((await rejection(readBundle(empty))).message).toMatch(/no readable manifest\.json/);
    expect((await rejection(readBundle(join(good, 'model.tflite')))).code).toBe('E_BUNDLE_MANIFEST');
  });
});

describe('loadModel locations', () => {
  it('reports a missing path', async () => {
    const err = await rejection(loadModel(join(root, 'nowhere')));
    expect(err.code).toBe('E_NOT_FOUND');
    expect(err.message).toContain('nowhere');
  });

  it('reports an unknown bare name with the bundled names as hint', async () => {
    const err = await rejection(loadModel('no-such-model', { modelsDir: root }));
    expect(err.code).toBe('E_NOT_FOUND');
    expect(err.hint).toMatch(/Bundled models: .*good/);
  });

  it.each(['http://example.com/model', 'https://example.com/m.tar', 'HTTPS://x', 'ftp://host/model', 'data:application/json,{}'])(
    'refuses %s without touching the network',
    async (url) => {
      const err = await rejection(loadModel(url));
      expect(err.code).toBe('E_NETWORK_REFUSED');
      expect(err.hint).not.toBe('');
    },
  );

  it('resolves bundled names, paths and file: URLs', () => {
    expect(resolveModelLocation('good', { modelsDir: root })).toBe(good);
    expect(resolveModelLocation(pathToFileURL(good).href)).toBe(good);
    expect(resolveModelLocation('./x/y', { cwd: '/base' })).toBe('/base/x/y');
    expect(() => resolveModelLocation('')).toThrow(TypeError);
  });

  it('checks hashes before starting an interpreter', async () => {
    const dir = await variant('tampered-load', async (_m, d) => {
      await writeFile(join(d, 'tokenizer.bin'), new Uint8Array(300));
    });
    expect((await rejection(loadModel(dir))).code).toBe('E_BUNDLE_HASH');
  });

  it('rejects bad options with RangeError / TypeError', async () => {
    await expect(loadModel(good, { threads: 0 })).rejects.toThrow(RangeError);
    await expect(loadModel(good, { runner: 'gpu' as never })).rejects.toThrow(TypeError);
  });
});
