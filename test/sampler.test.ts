import { describe, expect, it } from 'vitest';
import { Sampler } from '../src/runtime/sampler.js';

/** Deterministic pseudo-random logits, no dependence on the sampler's PRNG. */
function randomLogits(n: number, seed: number, scale = 3): Float32Array {
  let x = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = (x / 4294967296 - 0.5) * 2 * scale;
  }
  return out;
}

function argmax(a: Float32Array): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[best]!) best = i;
  return best;
}

function softmax(a: Float32Array, t: number): number[] {
  const max = Math.max(...a);
  const e = Array.from(a, (v) => Math.exp((v - max) / t));
  const s = e.reduce((x, y) => x + y, 0);
  return e.map((v) => v / s);
}

describe('Sampler', () => {
  it('greedy (temperature 0) equals argmax and breaks ties toward the lowest id', () => {
    const s = new Sampler({ temperature: 0, seed: 1 });
    for (let k = 0; k < 20; k++) {
      const logits = randomLogits(1000, k + 1);
      expect(s.sample(logits)).toBe(argmax(logits));
    }
    expect(s.sample(new Float32Array([1, 5, 5, 2]))).toBe(1);
    expect(s.sample(new Float32Array([NaN, -Infinity, 0.5, 0.5]))).toBe(2);
  });

  it('draws roughly the softmax distribution at a temperature', () => {
    const logits = new Float32Array([1, 2, 0.5, 3, -1]);
    for (const t of [1, 0.5, 2]) {
      const s = new Sampler({ temperature: t, seed: 7 });
      const counts = new Array<number>(logits.length).fill(0);
      const draws = 40_000;
      for (let i = 0; i < draws; i++) counts[s.sample(logits)]!++;
      const p = softmax(logits, t);
      for (let i = 0; i < logits.length; i++) {
        const sd = Math.sqrt((p[i]! * (1 - p[i]!)) / draws);
        expect(Math.abs(counts[i]! / draws - p[i]!)).toBeLessThan(5 * sd + 1e-3);
      }
    }
  });

  it('topK = 1 equals greedy, and top-k never picks outside the k best', () => {
    const one = new Sampler({ topK: 1, temperature: 1.5, seed: 3 });
    const three = new Sampler({ topK: 3, temperature: 5, seed: 3 });
    for (let k = 0; k < 50; k++) {
      const logits = randomLogits(500, 100 + k);
      expect(one.sample(logits)).toBe(argmax(logits));
      const best3 = Array.from(logits.keys()).sort((a, b) => logits[b]! - logits[a]! || a - b).slice(0, 3);
      expect(best3).toContain(three.sample(logits));
    }
    // ties at the k-th place go to the lowest id
    const tie = new Sampler({ topK: 2, seed: 1 });
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) seen.add(tie.sample(new Float32Array([0, 1, 1, 1, -3])));
    expect([...seen].sort()).toEqual([1, 2]);
  });

  it('a small topP equals greedy; topP keeps the smallest set reaching the mass', () => {
    const tiny = new Sampler({ topP: 1e-6, seed: 5 });
    for (let k = 0; k < 50; k++) {
      const logits = randomLogits(32000, 200 + k);
      expect(tiny.sample(logits)).toBe(argmax(logits));
    }
    // probabilities 0.5, 0.3, 0.15, 0.05: topP 0.75 keeps {0, 1}
    const logits = new Float32Array([Math.log(0.5), Math.log(0.3), Math.log(0.15), Math.log(0.05)]);
    const s = new Sampler({ topP: 0.75, seed: 9 });
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 20_000; i++) counts[s.sample(logits)]!++;
    expect(counts[2]).toBe(0);
    expect(counts[3]).toBe(0);
    expect(counts[0]! / 20_000).toBeCloseTo(0.5 / 0.8, 1);
  });

  it('topP over a flat distribution of many tokens (no cutoff helps) still matches a sort', () => {
    const logits = randomLogits(5000, 77, 0.2);
    const p = softmax(logits, 1);
    const order = Array.from(logits.keys()).sort((a, b) => p[b]! - p[a]! || a - b);
    let acc = 0;
    const allowed = new Set<number>();
    for (const id of order) {
      allowed.add(id);
      acc += p[id]!;
      if (acc >= 0.5) break;
    }
    const s = new Sampler({ topP: 0.5, seed: 11 });
    for (let i = 0; i < 2000; i++) expect(allowed.has(s.sample(logits))).toBe(true);
  });

  it('top-k then top-p never leaves the set a full sort would keep', () => {
    for (const [scale, topK, topP, t] of [[8, 0, 0.9, 0.8], [2, 100, 0.7, 1], [0.5, 0, 0.99, 1.3], [20, 50, 0.95, 1]] as const) {
      const logits = randomLogits(3000, 31 + scale, scale);
      const order = Array.from(logits.keys()).sort((a, b) => logits[b]! - logits[a]! || a - b);
      const top = topK > 0 ? order.slice(0, topK) : order;
      const max = logits[top[0]!]!;
      const weights = top.map((id) => Math.exp((logits[id]! - max) / t));
      const total = weights.reduce((x, y) => x + y, 0);
      const allowed = new Set<number>();
      let acc = 0;
      for (const [i, id] of top.entries()) {
        allowed.add(id);
        acc += weights[i]!;
        if (acc >= topP * total) break;
      }
      const s = new Sampler({ temperature: t, topK, topP, seed: 2 });
      const seen = new Set<number>();
      for (let i = 0; i < 3000; i++) seen.add(s.sample(logits));
      for (const id of seen) expect(allowed.has(id), `token ${id} outside the nucleus`).toBe(true);
      expect(seen.size).toBeGreaterThan(Math.min(allowed.size, 20) / 2);
    }
  });

  it('repetition penalty changes the chosen token, CTRL-style', () => {
    const logits = new Float32Array([1.0, 1.5, -0.2, 0.9]);
    expect(new Sampler({ temperature: 0 }).sample(logits, [1])).toBe(1);
    const s = new Sampler({ temperature: 0, repetitionPenalty: 2 });
    expect(s.sample(logits, [1])).toBe(0); // 1.5 / 2 = 0.75 < 1.0
    expect(s.sample(logits, [1, 1, 1, 0])).toBe(3); // duplicates penalised once: 0.75, 0.5, 0.9
    // negative logits are multiplied, pushing them further down
    const neg = new Float32Array([-1, -1.5]);
    expect(new Sampler({ temperature: 0, repetitionPenalty: 2 }).sample(neg, [0])).toBe(1);
    expect(Array.from(logits)).toEqual([1.0, 1.5, -0.2, 0.9].map(Math.fround)); // caller's array untouched
  });

  it('the same seed gives the same sequence; another seed another', () => {
    const run = (seed: number): number[] => {
      const s = new Sampler({ temperature: 1, topK: 40, topP: 0.95, repetitionPenalty: 1.1, seed });
      const ctx: number[] = [];
      for (let i = 0; i < 64; i++) ctx.push(s.sample(randomLogits(2000, i + 1, 1), ctx));
      return ctx;
    };
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
    expect(new Sampler({ seed: 12 }).seed).toBe(12);
    expect(Number.isSafeInteger(new Sampler().seed)).toBe(true);
  });

  it('rejects bad options and bad input with RangeError', () => {
    expect(() => new Sampler({ temperature: -1 })).toThrow(RangeError);
    expect(() => new Sampler({ temperature: NaN })).toThrow(/temperature/);
    expect(() => new Sampler({ topK: 1.5 })).toThrow(/topK/);
    expect(() => new Sampler({ topK: -1 })).toThrow(RangeError);
    expect(() => new Sampler({ topP: 0 })).toThrow(/topP/);
    expect(() => new Sampler({ topP: 1.01 })).toThrow(RangeError);
    expect(() => new Sampler({ repetitionPenalty: 0 })).toThrow(/repetitionPenalty/);
    expect(() => new Sampler({ seed: 0.5 })).toThrow(/seed/);
    const s = new Sampler({ repetitionPenalty: 1.2, seed: 1 });
    expect(() => s.sample(new Float32Array(0))).toThrow(RangeError);
    expect(() => s.sample(new Float32Array(4), [4])).toThrow(/context\[0\]/);
    expect(() => s.sample(new Float32Array([-Infinity, NaN]))).toThrow(/no token/);
  });
});
