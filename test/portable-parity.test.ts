/**
 * Parity of the portable backend with the native one on whole bundles: the
 * converted test checkpoints (fp32 and int8; KV cache in resource variables,
 * and as graph inputs with a short-context window model) and every bundle
 * shipped in models/. Logits are compared step by step (teacher forcing,
 * across the window's edge), then free-running greedy decoding must pick the
 * same tokens.
 *
 * Native runners are created on this test's own thread: no inference worker
 * may run in this file (the addon must stay on one thread per process).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LlamaConfig } from '../src/models/llama/config.js';
import { createNativeRunner } from '../src/runtime/create-native-runner.js';
import { KvCacheDecoder } from '../src/runtime/kv-cache-decoder.js';
import { packageRoot } from '../src/runtime/package-root.js';
import { createPortableRunner } from '../src/runtime/portable/create-portable-runner.js';
import { readBundle } from '../src/runtime/read-bundle.js';
import type { ModelBundle } from '../src/runtime/read-bundle.js';
import type { ModelRunner } from '../src/runtime/runner.js';
import { WindowedDecoder } from '../src/runtime/windowed-decoder.js';
import type { DecodeStep } from '../src/runtime/windowed-decoder.js';
import { TINY_LLAMA_CONFIG, createTinyLlamaBundle } from '../src/testing/create-tiny-llama-bundle.js';

/** Large enough that `int8Kernel: 'auto'` runs the feed-forward matrices on TFLite's hybrid kernel. */
const HYBRID_CONFIG: LlamaConfig = { dim: 128, hiddenDim: 512, nLayers: 2, nHeads: 4, nKvHeads: 2, vocabSize: 400, seqLen: 48, sharedClassifier: true };

interface Case {
  label: string;
  bundle: ModelBundle;
  config: LlamaConfig;
  steps: number;
}

async function tinyCase(label: string, quantize: 'none' | 'int8', windowRows: number, config: LlamaConfig = TINY_LLAMA_CONFIG): Promise<Case> {
  const tiny = await createTinyLlamaBundle({ quantize, windowRows, config, seed: 5 });
  return { label, bundle: await readBundle(tiny.dir), config: tiny.config, steps: tiny.config.seqLen };
}

/** Every bundle in the package's models/ directory (the appliance model, once it is there). */
async function shippedCases(): Promise<Case[]> {
  const dir = join(packageRoot(), 'models');
  if (!existsSync(dir)) return [];
  const names = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'manifest.json')));
  return Promise.all(names.map(async (d) => {
    const bundle = await readBundle(join(dir, d.name));
    const config = bundle.manifest.hyperparameters;
    return { label: `shipped models/${d.name}`, bundle, config, steps: Math.min(config.seqLen, 48) };
  }));
}

const cases: Case[] = [
  await tinyCase('fp32, KV cache in resource variables', 'none', 0),
  await tinyCase('fp32, KV cache as inputs with a 24-row window model', 'none', 24),
  await tinyCase('int8, KV cache in resource variables', 'int8', 0),
  await tinyCase('int8, KV cache as inputs with a 24-row window model', 'int8', 24),
  await tinyCase('int8 with hybrid matrices, resource variables', 'int8', 0, HYBRID_CONFIG),
  ...(await shippedCases()),
];

async function decoder(bundle: ModelBundle, config: LlamaConfig, create: (bytes: Uint8Array) => Promise<ModelRunner>): Promise<DecodeStep> {
  const full = new KvCacheDecoder(await create(bundle.model), config);
  if (bundle.windowModel === undefined) return full;
  const windowConfig = { ...config, seqLen: bundle.windowModel.rows };
  return new WindowedDecoder(new KvCacheDecoder(await create(bundle.windowModel.bytes), windowConfig), full);
}

function argmax(v: Float32Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}

describe.each(cases)('portable and native backends agree: $label', ({ bundle, config, steps }) => {
  const quantized = bundle.manifest.quantization !== 'none';

  it(`logits step by step over ${steps} positions${quantized ? '' : ' within 1e-4'}`, async () => {
    const native = await decoder(bundle, config, (b) => createNativeRunner(b));
    const portable = await decoder(bundle, config, (b) => createPortableRunner(b));
    let worst = 0;
    let sameArgmax = 0;
    for (let pos = 0; pos < steps; pos++) {
      const token = pos === 0 ? 1 : (pos * 37 + 11) % config.vocabSize;
      const a = native.step(token, pos).slice();
      const b = portable.step(token, pos);
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
      if (argmax(a) === argmax(b)) sameArgmax++;
    }
    console.log(`portable parity (${bundle.manifest.name}, ${bundle.manifest.quantization}): max |logit diff| ${worst.toExponential(2)}, argmax agreement ${sameArgmax}/${steps}`);
    if (quantized) {
      // Hybrid int8 matrices quantize their input on the fly: a last-bit difference upstream
      // can move one activation across a rounding edge, so allow a few hundredths of a logit.
      expect(worst).toBeLessThan(0.25);
      expect(sameArgmax).toBeGreaterThanOrEqual(steps - 1);
    } else {
      expect(worst).toBeLessThan(1e-4);
      expect(sameArgmax).toBe(steps);
    }
  });

  it('greedy decoding picks the same tokens', async () => {
    const run = async (create: (b: Uint8Array) => Promise<ModelRunner>): Promise<number[]> => {
      const d = await decoder(bundle, config, create);
      const tokens: number[] = [];
      let token = 1;
      for (let pos = 0; pos < steps; pos++) {
        token = argmax(d.step(token, pos));
        tokens.push(token);
      }
      return tokens;
    };
    expect(await run((b) => createPortableRunner(b))).toEqual(await run((b) => createNativeRunner(b)));
  });
});
