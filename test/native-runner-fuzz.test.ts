import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { TinyEdgeError } from '../src/errors.js';
import { createNativeRunner } from '../src/runtime/create-native-runner.js';
import { GraphBuilder } from '../src/tflite/graph-builder.js';

const run = promisify(execFile);
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const src = (path: string): string => pathToFileURL(fileURLToPath(new URL(`../src/${path}`, import.meta.url))).href;

describe('mutated models never take the process down', () => {
  it('a tensor too large to allocate is refused before TFLite sees it (TFLite would abort the process)', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', [65536, 65536]);
    const y = g.tensor('y', 'float32', [65536, 65536]);
    g.op('ADD', [x, x], [y], { type: 'AddOptions' });
    g.output(y);
    const err = await createNativeRunner(g.finish()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TinyEdgeError);
    expect((err as TinyEdgeError).code).toBe('E_MODEL_FORMAT');
    expect((err as TinyEdgeError).message).toMatch(/tensor "x" \[65536, 65536\] float32 would take 17179869184 bytes/);
  });

  // TFLite itself can abort the process on some malformed models, which no
  // try/catch survives; so the mutations run in a child, which must finish
  // and report that every one either loaded or failed with E_MODEL_FORMAT.
  it('a few thousand mutated llama graphs: each loads or fails with E_MODEL_FORMAT', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tinyedge-native-fuzz-'));
    const script = join(dir, 'fuzz.mts');
    await writeFile(script, `
      import { buildLlamaTflite } from ${JSON.stringify(src('models/llama/build-llama-tflite.ts'))};
      import { randomLlamaWeights } from ${JSON.stringify(src('models/llama/random-llama-weights.ts'))};
      import { createNativeRunner } from ${JSON.stringify(src('runtime/create-native-runner.ts'))};
      const config = { dim: 16, hiddenDim: 32, nLayers: 1, nHeads: 2, nKvHeads: 1, vocabSize: 40, seqLen: 16, sharedClassifier: true };
      const model = buildLlamaTflite(config, randomLlamaWeights(config, 1), { quantize: 'int8' });
      let seed = 12345;
      const rand = (n) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed % n; };
      const counts = { loaded: 0, E_MODEL_FORMAT: 0, other: 0 };
      for (let i = 0; i < 2000; i++) {
        const bytes = model.slice(0, i % 10 === 0 ? rand(model.length) : model.length);
        for (let k = 1 + rand(4); k > 0; k--) bytes[rand(bytes.length)] = rand(256);
        try { await createNativeRunner(bytes); counts.loaded++; }
        catch (err) { if (err?.code === 'E_MODEL_FORMAT') counts.E_MODEL_FORMAT++; else { counts.other++; console.error(err); } }
      }
      console.log(JSON.stringify(counts));
    `);
    const { stdout } = await run(process.execPath, ['--import', tsx, script], { timeout: 120_000, maxBuffer: 64 << 20 });
    const counts = JSON.parse(stdout.trim().split('\n').pop()!) as { loaded: number; E_MODEL_FORMAT: number; other: number };
    expect(counts.other).toBe(0);
    expect(counts.loaded + counts.E_MODEL_FORMAT).toBe(2000);
    expect(counts.E_MODEL_FORMAT).toBeGreaterThan(100);
  });
});
