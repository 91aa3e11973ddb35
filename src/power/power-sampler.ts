import { performance } from 'node:perf_hooks';
import { TinyEdgeError } from '../errors.js';
import { TypedEmitter } from '../runtime/typed-emitter.js';
import type { Listener } from '../runtime/typed-emitter.js';
import { EnergyMeter } from './energy-meter.js';
import type { MeterableModel } from './energy-meter.js';
import type { PowerSourceCandidate } from './open-power-source.js';
import type { EnergyWindow, PowerSample, PowerSamplerEvents, PowerSummary, SamplerTiming } from './power-sample.js';
import type { PowerKind, PowerReading, PowerSource, PowerSourceDescriptor } from './power-source.js';
import { SampleLedger } from './sample-ledger.js';

/** Settings of a {@link PowerSampler}, as `openPowerSampler` resolves them. */
export interface PowerSamplerSettings {
  /** Samples per second. */
  hz: number;
  /** Samples kept in the ring buffer. */
  capacity: number;
  /** A read that takes longer counts as failed, ms. */
  readTimeoutMs: number;
  /** The SoC temperature in degrees C, or null when unknown; used by thermal budgets. */
  readTemperature: () => Promise<number | null>;
  /** What `auto` considered before choosing. */
  candidates: PowerSourceCandidate[];
}

const LATENESS_WINDOW = 1024;

/**
 * Reads a {@link PowerSource} at a steady rate and keeps the samples in a
 * bounded ring buffer, with the energy accumulated since the first sample.
 * Ticks are scheduled from the start time on the monotonic clock
 * (`performance.now()`), never from the previous tick, so timing does not
 * drift; a tick whose slot has passed is skipped, never run late in a burst.
 * A failed read is counted and reported (`sensor-error`) and the next tick
 * tries again, so an unplugged meter pauses the samples instead of ending
 * them. Get one from `openPowerSampler`.
 *
 * @example
 * ```ts
 * await using sampler = await openPowerSampler({ source: 'auto' });
 * sampler.on('sample', (s) => console.log(s.t.toFixed(0), s.watts.toFixed(2), s.kind));
 * await new Promise((r) => setTimeout(r, 2000));
 * console.log(sampler.summary());
 * ```
 */
export class PowerSampler {
  /** The source: id, `measured` or `estimated`, label and boundary. */
  readonly source: PowerSourceDescriptor;
  /** Samples per second. */
  readonly hz: number;
  /** Time between ticks, ms. */
  readonly intervalMs: number;
  /** When the sampler started, `performance.now()` ms. */
  readonly startedAt: number;
  /** The measured sources `auto` considered, in order, and why each was or was not used; empty for a named source. */
  readonly candidates: readonly PowerSourceCandidate[];
  readonly #source: PowerSource;
  readonly #settings: PowerSamplerSettings;
  readonly #events = new TypedEmitter<PowerSamplerEvents>();
  readonly #ledger: SampleLedger;
  readonly #lateness = new Float64Array(LATENESS_WINDOW);
  #ticks = 0;
  #missed = 0;
  #tick = 0;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  #closing: Promise<void> | null = null;
  #errors = 0;
  #consecutive = 0;
  #downSince = 0;
  #lastError: TinyEdgeError | null = null;
  #errorsSinceSample = 0;
  #counter: { joules: number; t: number } | null = null;
  #idleW: number | null = null;
  #waiters: Array<{ t: number; resolve: (reached: boolean) => void }> = [];

  /**
   * @internal
   */
  constructor(source: PowerSource, settings: PowerSamplerSettings) {
    this.#source = source;
    this.source = Object.freeze({ id: source.id, kind: source.kind, label: source.label, boundary: source.boundary });
    this.#settings = settings;
    this.hz = settings.hz;
    this.candidates = Object.freeze([...settings.candidates]);
    this.intervalMs = 1000 / settings.hz;
    this.#ledger = new SampleLedger(settings.capacity);
    this.startedAt = performance.now();
    this.#timer = setTimeout(() => void this.#run(this.startedAt), 0);
  }

  /** `measured` or `estimated`: the kind of every sample. */
  get kind(): PowerKind {
    return this.source.kind;
  }

  /** Samples taken since the sampler opened. */
  get samples(): number {
    return this.#ledger.count;
  }

  /** Failed reads since the sampler opened. */
  get errors(): number {
    return this.#errors;
  }

  /** The most recent failed read's error, or null. */
  get lastError(): TinyEdgeError | null {
    return this.#lastError;
  }

  /** The idle baseline, watts, once measured ({@link PowerSampler.measureIdle}) or set; null before. */
  get idleW(): number | null {
    return this.#idleW;
  }

  /** True once {@link PowerSampler.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Listen to an event: `sample`, `sensor-error`, `recovered`.
   *
   * @returns a function that removes the listener
   */
  on<K extends keyof PowerSamplerEvents>(event: K, listener: Listener<PowerSamplerEvents, K>): () => void {
    return this.#events.on(event, listener);
  }

  /** Remove a listener. */
  off<K extends keyof PowerSamplerEvents>(event: K, listener: Listener<PowerSamplerEvents, K>): void {
    this.#events.off(event, listener);
  }

  /** The newest sample, or null before the first. */
  latest(): PowerSample | null {
    if (this.#ledger.size === 0) return null;
    const { t, watts } = this.#ledger.at(this.#ledger.size - 1);
    return { t, watts, kind: this.kind };
  }

  /**
   * The samples still in the ring buffer, oldest first.
   *
   * @param sinceMs - only samples taken at or after this `performance.now()` time
   */
  recent(sinceMs = Number.NEGATIVE_INFINITY): PowerSample[] {
    const out: PowerSample[] = [];
    for (let i = 0; i < this.#ledger.size; i++) {
      const { t, watts } = this.#ledger.at(i);
      if (t >= sinceMs) out.push({ t, watts, kind: this.kind });
    }
    return out;
  }

  /**
   * Energy between two times on the `performance.now()` clock: the
   * trapezoid rule over instantaneous samples (linear between them), the
   * counter's own joules for energy-counter sources, exact at the window's
   * ends by interpolation. Call it once samples past `toMs` exist (see
   * {@link PowerSampler.whenSampledPast}); beyond the newest sample the last
   * power is held and the window is flagged `interpolated`.
   *
   * @param fromMs - start, ms
   * @param toMs - end, ms, >= fromMs
   * @returns the energy, mean and peak power, or null before the first sample
   * @throws RangeError when `toMs < fromMs`
   */
  energy(fromMs: number, toMs: number): EnergyWindow | null {
    if (!(toMs >= fromMs)) throw new RangeError(`toMs must be >= fromMs, found ${fromMs} .. ${toMs}`);
    const w = this.#ledger.window(fromMs, toMs);
    if (w === null) return null;
    const seconds = (toMs - fromMs) / 1000;
    const avgW = seconds > 0 ? w.joules / seconds : w.peakW;
    return { fromMs, toMs, joules: w.joules, avgW, peakW: w.peakW, samples: w.samples, interpolated: w.interpolated };
  }

  /**
   * Resolves once a sample at or after `t` exists (true), or when the
   * sampler closes or `timeoutMs` passes first (false).
   */
  whenSampledPast(t: number, timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    if (this.#ledger.size > 0 && this.#ledger.lastT >= t) return Promise.resolve(true);
    if (this.#closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = { t, resolve: (reached: boolean): void => {
        if (timer !== undefined) clearTimeout(timer);
        resolve(reached);
      } };
      const timer = Number.isFinite(timeoutMs) ? setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs) : undefined;
      this.#waiters.push(waiter);
    });
  }

  /**
   * Measure the idle baseline: the mean power over the next `durationMs`.
   * Keep the board idle meanwhile (no inference, no other load); reports
   * then give net energy (above idle) as well as gross.
   *
   * @param options - `durationMs`, default 3000
   * @returns the baseline, watts
   * @throws TinyEdgeError `E_SENSOR` when fewer than 2 samples arrived in the window, `E_CLOSED` when the sampler closed
   */
  async measureIdle(options: { durationMs?: number } = {}): Promise<number> {
    const durationMs = options.durationMs ?? 3000;
    if (typeof durationMs !== 'number' || !(durationMs > 0)) throw new RangeError(`durationMs must be > 0, found ${String(durationMs)}`);
    const from = performance.now();
    await this.whenSampledPast(from + durationMs);
    if (this.#closed) throw new TinyEdgeError('E_CLOSED', 'the power sampler closed while measuring the idle baseline', 'Keep the sampler open until measureIdle() resolves.');
    const w = this.energy(from, from + durationMs);
    if (w === null || w.samples < 2) {
      throw new TinyEdgeError('E_SENSOR', `only ${w?.samples ?? 0} samples in ${durationMs} ms of idle measurement (${this.#errors} read errors).`,
        this.#lastError?.hint ?? 'Measure for longer, or at a higher rate.');
    }
    this.#idleW = w.avgW;
    return w.avgW;
  }

  /**
   * Set the idle baseline by hand (e.g. measured earlier), watts; null forgets it.
   *
   * @throws RangeError for a negative or non-finite value
   */
  setIdleBaseline(watts: number | null): void {
    if (watts !== null && (typeof watts !== 'number' || !Number.isFinite(watts) || watts < 0)) {
      throw new RangeError(`idle watts must be a finite number >= 0 or null, found ${String(watts)}`);
    }
    this.#idleW = watts;
  }

  /** Everything since the sampler opened: samples, duration, energy, mean and peak power, errors. */
  summary(): PowerSummary {
    const l = this.#ledger;
    const durationS = l.count === 0 ? 0 : (l.lastT - l.firstT) / 1000;
    const energyJ = l.totalJ;
    const avgW = l.count === 0 ? 0 : durationS > 0 ? energyJ / durationS : l.at(l.size - 1).watts;
    return {
      source: this.source.id, kind: this.kind, label: this.source.label, samples: l.count, durationS, energyJ, avgW,
      peakW: l.count === 0 ? 0 : l.peakW, errors: this.#errors,
    };
  }

  /** How late ticks ran, and how many were skipped. */
  timing(): SamplerTiming {
    const n = Math.min(this.#ticks, LATENESS_WINDOW);
    const values = Array.from(this.#lateness.subarray(0, n)).sort((a, b) => a - b);
    const pick = (q: number): number => (n === 0 ? 0 : values[Math.min(n - 1, Math.floor(q * n))]!);
    return {
      ticks: this.#ticks,
      missedTicks: this.#missed,
      latenessMs: { mean: n === 0 ? 0 : values.reduce((a, b) => a + b, 0) / n, p50: pick(0.5), p99: pick(0.99), max: n === 0 ? 0 : values[n - 1]! },
    };
  }

  /**
   * Meter a model: one {@link InferenceEnergyReport} per inference, from its
   * `inference:start`, `token` and `inference:end` events, and enforcement
   * of `generate(..., { budget })` limits.
   *
   * @param model - a `Model` (anything with its `on()` events)
   * @returns the meter; `close()` it to detach
   * @example
   * ```ts
   * const meter = sampler.meter(model);
   * meter.on('report', (r) => console.log(r.joules.toFixed(3), 'J', r.badge));
   * ```
   */
  meter(model: MeterableModel): EnergyMeter {
    return new EnergyMeter(this, model, this.#settings.readTemperature);
  }

  /** Stop sampling and close the source. Closing twice is harmless. */
  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    for (const w of this.#waiters.splice(0)) w.resolve(false);
    this.#closing = this.#source.close().catch(() => undefined);
    return this.#closing;
  }

  /** Same as {@link PowerSampler.close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #run(due: number): Promise<void> {
    if (this.#closed) return;
    const start = performance.now();
    this.#lateness[this.#ticks % LATENESS_WINDOW] = Math.max(0, start - due);
    this.#ticks++;
    try {
      const reading = await withTimeout(this.#source.read(), this.#settings.readTimeoutMs, this.source.id);
      const end = performance.now();
      if (!this.#closed) this.#record(reading, (start + end) / 2);
    } catch (err) {
      if (!this.#closed) this.#fail(err, performance.now());
    }
    this.#schedule();
  }

  #schedule(): void {
    if (this.#closed) return;
    const now = performance.now();
    const next = Math.max(this.#tick + 1, Math.ceil((now - this.startedAt) / this.intervalMs));
    this.#missed += next - this.#tick - 1;
    this.#tick = next;
    const due = this.startedAt + next * this.intervalMs;
    this.#timer = setTimeout(() => void this.#run(due), Math.max(0, due - now));
  }

  #record(reading: PowerReading, t: number): void {
    let watts: number;
    let step: boolean;
    if (reading.type === 'energy') {
      const previous = this.#counter;
      this.#counter = { joules: reading.joules, t };
      if (previous === null) return; // the first counter value is a base, not a sample
      const dt = (t - previous.t) / 1000;
      if (!(dt > 0)) return;
      watts = (reading.joules - previous.joules) / dt;
      step = true;
      if (this.#ledger.count === 0) this.#push(previous.t, watts, true); // the first interval's mean, back to its start
    } else {
      watts = reading.watts;
      step = reading.type === 'average';
    }
    if (!Number.isFinite(watts) || watts < 0) {
      this.#fail(new TinyEdgeError('E_SENSOR', `${this.source.id} reported ${watts} W.`, 'Check the sensor; a negative or non-finite power is not a reading.'), t);
      return;
    }
    if (this.#consecutive > 0) {
      this.#events.emit('recovered', { afterErrors: this.#consecutive, downMs: t - this.#downSince, at: t });
      this.#consecutive = 0;
    }
    this.#push(t, watts, step);
  }

  #push(t: number, watts: number, step: boolean): void {
    // Failed reads since the previous sample: the segment spans readings that are missing.
    const gap = this.#errorsSinceSample > 0;
    this.#errorsSinceSample = 0;
    this.#ledger.push(t, watts, step, gap);
    this.#events.emit('sample', { t, watts, kind: this.kind });
    if (this.#waiters.length > 0) {
      const ready = this.#waiters.filter((w) => w.t <= t);
      if (ready.length > 0) {
        this.#waiters = this.#waiters.filter((w) => w.t > t);
        for (const w of ready) w.resolve(true);
      }
    }
  }

  #fail(err: unknown, at: number): void {
    const error = err instanceof TinyEdgeError ? err
      : new TinyEdgeError('E_SENSOR', `${this.source.id}: ${err instanceof Error ? err.message : String(err)}`, 'Check the sensor and its driver.', { cause: err });
    this.#errors++;
    this.#errorsSinceSample++;
    if (this.#consecutive === 0) this.#downSince = at;
    this.#consecutive++;
    this.#lastError = error;
    this.#events.emit('sensor-error', { error, consecutive: this.#consecutive, total: this.#errors, at });
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TinyEdgeError('E_SENSOR', `${what} did not answer within ${ms} ms.`, 'Check the sensor; a slow read is counted as an error.')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
