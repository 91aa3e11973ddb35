// The sampler's memory: a bounded ring of samples, each with the energy
// accumulated since the first one, and the integrals over any window.
// Internal to src/power.

/** Segment flags, stored with the sample that ends the segment. */
const STEP = 1; // power was constant over the segment (counter or interval average), else linear
const GAP = 2; // failed reads before this sample: the segment spans missing readings

/** Energy and power over a time window, from the samples around it. */
export interface WindowIntegral {
  /** Energy, joules. */
  joules: number;
  /** Highest power seen in the window, watts. */
  peakW: number;
  /** Samples inside the window (ends included). */
  samples: number;
  /** True when the window's energy leans on interpolation: fewer than 2 samples inside,
   *  an end beyond the samples held, or a stretch of missing readings. */
  interpolated: boolean;
}

export class SampleLedger {
  readonly #t: Float64Array;
  readonly #w: Float64Array;
  readonly #c: Float64Array;
  readonly #f: Uint8Array;
  #start = 0;
  #size = 0;
  /** Samples ever pushed. */
  count = 0;
  /** Highest watts ever pushed. */
  peakW = 0;
  /** Time of the first sample ever, ms. */
  firstT = Number.NaN;

  constructor(capacity: number) {
    this.#t = new Float64Array(capacity);
    this.#w = new Float64Array(capacity);
    this.#c = new Float64Array(capacity);
    this.#f = new Uint8Array(capacity);
  }

  get size(): number {
    return this.#size;
  }

  /** Time of the newest sample, ms, or NaN. */
  get lastT(): number {
    return this.#size === 0 ? Number.NaN : this.#t[this.#phys(this.#size - 1)]!;
  }

  /** Energy from the first sample ever to the newest, joules. */
  get totalJ(): number {
    return this.#size === 0 ? 0 : this.#c[this.#phys(this.#size - 1)]!;
  }

  /** Time and watts of logical sample `i` (0 = oldest held). */
  at(i: number): { t: number; watts: number } {
    const p = this.#phys(i);
    return { t: this.#t[p]!, watts: this.#w[p]! };
  }

  push(t: number, watts: number, step: boolean, gap: boolean): void {
    const cap = this.#t.length;
    let joules = 0;
    if (this.#size > 0) {
      const p = this.#phys(this.#size - 1);
      const dt = (t - this.#t[p]!) / 1000;
      joules = this.#c[p]! + (step ? watts * dt : ((this.#w[p]! + watts) / 2) * dt);
    } else if (this.count === 0) {
      this.firstT = t;
    }
    const slot = this.#size < cap ? this.#phys(this.#size) : this.#start;
    if (this.#size < cap) this.#size++;
    else this.#start = (this.#start + 1) % cap;
    this.#t[slot] = t;
    this.#w[slot] = watts;
    this.#c[slot] = joules;
    this.#f[slot] = (step ? STEP : 0) | (gap ? GAP : 0);
    this.count++;
    if (watts > this.peakW || this.count === 1) this.peakW = watts;
  }

  /** Energy over [a, b] (ms) and what the samples say about it; null before the first sample. */
  window(a: number, b: number): WindowIntegral | null {
    if (this.#size === 0) return null;
    const from = this.#cumulative(a);
    const to = this.#cumulative(b);
    let samples = 0;
    let peakW = Math.max(from.watts, to.watts);
    let gap = false;
    // First sample at or after a; walk through the first sample after b (its segment overlaps the window).
    for (let i = this.#firstAtOrAfter(a); i < this.#size; i++) {
      const p = this.#phys(i);
      const t = this.#t[p]!;
      if (i > 0 && (this.#f[p]! & (GAP | STEP)) === GAP) gap = true;
      if (t > b) break;
      samples++;
      peakW = Math.max(peakW, this.#w[p]!);
    }
    return { joules: to.joules - from.joules, peakW, samples, interpolated: samples < 2 || from.outside || to.outside || gap };
  }

  #phys(i: number): number {
    return (this.#start + i) % this.#t.length;
  }

  /** Index of the first held sample with time >= t (size when none). */
  #firstAtOrAfter(t: number): number {
    let lo = 0;
    let hi = this.#size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#t[this.#phys(mid)]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Accumulated energy and power at time t; beyond the samples held, the nearest power is held. */
  #cumulative(t: number): { joules: number; watts: number; outside: boolean } {
    const i = this.#firstAtOrAfter(t);
    if (i === 0) {
      const p = this.#phys(0);
      return { joules: this.#c[p]! - (this.#w[p]! * (this.#t[p]! - t)) / 1000, watts: this.#w[p]!, outside: t < this.#t[p]! };
    }
    if (i === this.#size) {
      const p = this.#phys(this.#size - 1);
      return { joules: this.#c[p]! + (this.#w[p]! * (t - this.#t[p]!)) / 1000, watts: this.#w[p]!, outside: t > this.#t[p]! };
    }
    const q = this.#phys(i - 1);
    const p = this.#phys(i);
    const dt = t - this.#t[q]!;
    if (this.#f[p]! & STEP) return { joules: this.#c[q]! + (this.#w[p]! * dt) / 1000, watts: this.#w[p]!, outside: false };
    const watts = this.#w[q]! + ((this.#w[p]! - this.#w[q]!) * dt) / (this.#t[p]! - this.#t[q]!);
    return { joules: this.#c[q]! + (((this.#w[q]! + watts) / 2) * dt) / 1000, watts, outside: false };
  }
}
