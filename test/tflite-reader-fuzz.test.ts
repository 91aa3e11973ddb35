import { describe, expect, it } from 'vitest';
import { isTinyEdgeError } from '../src/errors.js';
import { formatTfliteSummary } from '../src/tflite/format-tflite-summary.js';
import { readTfliteModel } from '../src/tflite/read-tflite-model.js';
import { summarizeTfliteModel } from '../src/tflite/summarize-tflite-model.js';
import { addModel, broadcastModel, customOpModel, externalBufferModel, perChannelModel } from './support/sample-tflite-models.js';

/** mulberry32: small, fast, and the same sequence on every machine. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEEDS = [addModel(), broadcastModel(), perChannelModel(), customOpModel(), externalBufferModel()];
const CASES = 6000;

type Mutation = (bytes: Uint8Array, rand: () => number) => Uint8Array;
const int = (rand: () => number, n: number): number => Math.floor(rand() * n);

/** Values that break flatbuffer readers: zero, one, sign bits, all ones, near the file size. */
function nastyU32(bytes: Uint8Array, rand: () => number): number {
  const choices = [0, 1, 2, 3, 4, 0x7fff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffc,
    bytes.length, bytes.length - 4, bytes.length + 4, int(rand, bytes.length), int(rand, 0x100000000)];
  return choices[int(rand, choices.length)] ?? 0;
}

const MUTATIONS: Record<string, Mutation> = {
  flipBytes(bytes, rand) {
    const out = bytes.slice();
    const n = 1 + int(rand, 8);
    for (let i = 0; i < n; i++) {
      const at = int(rand, out.length);
      out[at] = (out[at] ?? 0) ^ (1 + int(rand, 255));
    }
    return out;
  },
  truncate(bytes, rand) {
    return bytes.slice(0, int(rand, bytes.length));
  },
  patchU32(bytes, rand) {
    // Offsets, vector lengths and table fields are 4-byte aligned words.
    if (bytes.length < 4) return bytes;
    const out = bytes.slice();
    const n = 1 + int(rand, 3);
    const view = new DataView(out.buffer);
    for (let i = 0; i < n; i++) {
      const at = 4 * int(rand, out.length >>> 2);
      view.setUint32(at, nastyU32(bytes, rand), true);
    }
    return out;
  },
  patchU16(bytes, rand) {
    // vtable entries: table sizes and field offsets.
    if (bytes.length < 2) return bytes;
    const out = bytes.slice();
    const view = new DataView(out.buffer);
    const at = 2 * int(rand, out.length >>> 1);
    const choices = [0, 1, 2, 3, 4, 5, 0xfffe, 0xffff, int(rand, 0x10000), view.getUint16(at, true) + 2];
    view.setUint16(at, choices[int(rand, choices.length)] ?? 0, true);
    return out;
  },
  garbage(bytes, rand) {
    const out = new Uint8Array(int(rand, 1024));
    for (let i = 0; i < out.length; i++) out[i] = int(rand, 256);
    if (rand() < 0.7 && out.length >= 8) out.set([0x54, 0x46, 0x4c, 0x33], 4); // "TFL3", to get past the identifier
    if (rand() < 0.5 && out.length >= 8) new DataView(out.buffer).setUint32(0, int(rand, out.length), true);
    return out;
  },
  spliceChunk(bytes, rand) {
    const from = int(rand, bytes.length);
    const to = int(rand, bytes.length);
    const len = int(rand, 64);
    const out = bytes.slice();
    out.copyWithin(to, from, from + len);
    return out;
  },
  extend(bytes, rand) {
    const out = new Uint8Array(bytes.length + int(rand, 256));
    out.set(bytes);
    for (let i = bytes.length; i < out.length; i++) out[i] = int(rand, 256);
    return out;
  },
};

describe('readTfliteModel fuzz', () => {
  it(`parses or throws E_MODEL_FORMAT on ${CASES} mutated files, quickly`, () => {
    const rand = prng(0x71fe_d6e);
    const names = Object.keys(MUTATIONS);
    const outcomes: Record<string, { parsed: number; rejected: number }> = {};
    const failures: string[] = [];
    let slowest = 0;
    const started = performance.now();
    for (let i = 0; i < CASES; i++) {
      const name = names[i % names.length] ?? 'flipBytes';
      const seed = SEEDS[int(rand, SEEDS.length)] ?? new Uint8Array();
      // Stack mutations now and then: single faults rarely reach deep tables.
      let bytes = (MUTATIONS[name] as Mutation)(seed, rand);
      if (rand() < 0.2) bytes = (MUTATIONS[names[int(rand, names.length)] ?? 'flipBytes'] as Mutation)(bytes, rand);
      const o = (outcomes[name] ??= { parsed: 0, rejected: 0 });
      const t0 = performance.now();
      try {
        const info = readTfliteModel(bytes);
        // What parses must be usable downstream without further checks.
        formatTfliteSummary(summarizeTfliteModel(info));
        JSON.stringify(info);
        o.parsed++;
      } catch (err) {
        if (isTinyEdgeError(err, 'E_MODEL_FORMAT') && err.message.length > 0 && err.hint.length > 0) o.rejected++;
        else if (failures.length < 5) failures.push(`case ${i} (${name}): ${String(err)}`);
      }
      slowest = Math.max(slowest, performance.now() - t0);
    }
    const total = performance.now() - started;
    expect(failures).toEqual([]);
    // Both outcomes occur for the mutations that keep most of the file.
    for (const n of ['flipBytes', 'patchU32', 'spliceChunk', 'extend']) {
      expect(outcomes[n]?.parsed, n).toBeGreaterThan(0);
      expect(outcomes[n]?.rejected, n).toBeGreaterThan(0);
    }
    expect(slowest).toBeLessThan(1000); // a hang, not a GC pause
    expect(total).toBeLessThan(10_000);
  });

  it('rejects every truncation of every seed model', () => {
    for (const seed of SEEDS) {
      const fullInfo = readTfliteModel(seed);
      for (let n = 0; n < seed.length; n++) {
        try {
          readTfliteModel(seed.subarray(0, n));
        } catch (err) {
          if (!isTinyEdgeError(err, 'E_MODEL_FORMAT')) throw err;
          continue;
        }
        // Only trailing padding may go without notice; the structure must still be the same.
        const info = readTfliteModel(seed.subarray(0, n));
        expect({ ...info, fileSize: fullInfo.fileSize }).toEqual(fullInfo);
      }
    }
  });
});
