/**
 * The corpus generator's seeded randomness. Every choice the generator makes
 * goes through one {@link CorpusRandom}, so a seed fixes the corpus byte for
 * byte on every platform (integer arithmetic only, no `Math.random`).
 */

/** A seeded stream of choices (mulberry32 underneath). */
export class CorpusRandom {
  #state: number;

  /**
   * @param seed - any integer; with `salt`, only the low 32 bits of each are used
   * @param salt - a second integer mixed in, so one seed gives unrelated streams per split
   */
  constructor(seed: number, salt = 0) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, found ${seed}`);
    let h = Math.imul((seed | 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul((salt | 0) + 0x632be5ab, 0xc2b2ae35);
    h ^= h >>> 16;
    h = Math.imul(h, 0x7feb352d);
    h ^= h >>> 15;
    this.#state = h | 0;
  }

  /** A float in `[0, 1)`. */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) | 0;
    let t = Math.imul(this.#state ^ (this.#state >>> 15), 1 | this.#state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in `[lo, hi]`. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** One element, with probability proportional to its weight. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of entries) total += w;
    let r = this.next() * total;
    for (const [value, w] of entries) {
      r -= w;
      if (r < 0) return value;
    }
    const last = entries[entries.length - 1];
    if (last === undefined) throw new RangeError('weighted pick from an empty list');
    return last[0];
  }

  /** `n` distinct elements in random order (all of them when `n` exceeds the length). */
  sample<T>(items: readonly T[], n: number): T[] {
    if (n <= 4 && items.length >= 16) {
      // Few from many: draw indices until distinct (no copy of a long list).
      const picked: number[] = [];
      while (picked.length < n) {
        const i = Math.floor(this.next() * items.length);
        if (!picked.includes(i)) picked.push(i);
      }
      return picked.map((i) => items[i] as T);
    }
    const copy = [...items];
    const count = Math.min(n, copy.length);
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(this.next() * (copy.length - i));
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy.slice(0, count);
  }
}
