import { performance } from 'node:perf_hooks';
import { TinyEdgeError } from '../errors.js';
import type { BudgetMonitor, BudgetStopReason, GenerationBudget } from '../runtime/generation-budget.js';
import type { ModelEvents } from '../runtime/model-events.js';
import { TypedEmitter } from '../runtime/typed-emitter.js';
import type { Listener } from '../runtime/typed-emitter.js';
import { energyBadge } from './energy-badge.js';
import type { EnergyBadge } from './energy-badge.js';
import type { PowerSample } from './power-sample.js';
import type { PowerKind } from './power-source.js';
import type { PowerSampler } from './power-sampler.js';

/** What a meter needs from a model: its events, and optionally a place for a budget monitor (a `Model` has both). */
export interface MeterableModel {
  /** Subscribe to a model event; returns a function that unsubscribes. */
  on<K extends keyof ModelEvents>(event: K, listener: Listener<ModelEvents, K>): () => void;
  /** Accept a budget monitor; returns a function that removes it. */
  useBudgetMonitor?(monitor: BudgetMonitor): () => void;
}

/** Energy of one phase of an inference. */
export interface PhaseEnergy {
  /** Duration, ms. */
  ms: number;
  /** Gross energy, joules. */
  joules: number;
  /** True when the phase was shorter than the samples can resolve and its energy is interpolated. */
  interpolated: boolean;
}

/** The energy of one inference, as `sampler.meter(model)` reports it. */
export interface InferenceEnergyReport {
  /** The generation's id, as in the model's events. */
  requestId: number;
  /** The model's name. */
  model: string;
  /** Why the generation ended (including `energyBudget` / `thermalBudget`, or `error`). */
  stopReason: string;
  /** When it started, `performance.now()` ms. */
  startedAt: number;
  /** From `inference:start` to `inference:end`, ms. */
  durationMs: number;
  /** Gross energy: everything the source sees during the inference, joules. */
  joules: number;
  /** Net energy: `joules` minus the idle baseline over the same time (may be negative within noise); null with no baseline measured. */
  netJoules: number | null;
  /** The idle baseline used for `netJoules`, watts, or null. */
  idleW: number | null;
  /** Mean power, watts. */
  avgW: number;
  /** Highest power, watts. */
  peakW: number;
  /** Prompt tokens, BOS included. */
  promptTokens: number;
  /** Tokens generated. */
  generatedTokens: number;
  /** Gross joules per generated token (prefill included); null when no token was generated. */
  joulesPerToken: number | null;
  /** From the start to the first generated token: prompt processing. */
  prefill: PhaseEnergy;
  /** From the first generated token to the end, with joules per token after the first. */
  decode: PhaseEnergy & {
    /** Decode joules per token after the first, or null with fewer than 2 tokens. */
    joulesPerToken: number | null;
  };
  /** True when any part (the whole, prefill or decode) is interpolated: shorter than a sampling interval, or across failed reads. */
  interpolated: boolean;
  /** Samples inside the inference. */
  samples: number;
  /** `measured` or `estimated`, from the source. */
  kind: PowerKind;
  /** The source's id. */
  source: string;
  /** The energy badge from `joulesPerToken` (see `energyBadge`), or null when no token was generated. */
  badge: EnergyBadge | null;
}

/** The events of an {@link EnergyMeter}. */
export interface EnergyMeterEvents {
  /** An inference ended and its energy is known. */
  report: InferenceEnergyReport;
}

interface Running {
  model: string;
  startedAt: number | null;
  promptTokens: number;
  firstTokenAt: number | null;
  budget?: { limits: GenerationBudget; stop: (reason: BudgetStopReason) => void };
}

/** Temperature reads for thermal budgets happen at most this often, ms. */
const THERMAL_POLL_MS = 250;

/**
 * Follows a model's inferences and reports the energy of each: get one
 * from `sampler.meter(model)`. Each report waits for the first sample after
 * the inference ended, so both ends are bracketed by samples. The meter also
 * enforces `generate(..., { budget: { joules, celsius } })`: the energy is
 * checked at every sample, the SoC temperature every 250 ms.
 *
 * @example
 * ```ts
 * const meter = sampler.meter(model);
 * const report = meter.next();
 * await model.generate('Hello', { maxTokens: 32 }).result;
 * console.log(await report); // { joules, joulesPerToken, badge, prefill, decode, ... }
 * ```
 */
export class EnergyMeter implements BudgetMonitor {
  readonly #sampler: PowerSampler;
  readonly #readTemperature: () => Promise<number | null>;
  readonly #events = new TypedEmitter<EnergyMeterEvents>();
  readonly #running = new Map<number, Running>();
  readonly #detach: Array<() => void> = [];
  #waiters: Array<{ resolve: (report: InferenceEnergyReport) => void; reject: (error: TinyEdgeError) => void }> = [];
  #lastReport: InferenceEnergyReport | null = null;
  #thermalAt = Number.NEGATIVE_INFINITY;
  #thermalBusy = false;
  #closed = false;

  /**
   * @internal
   */
  constructor(sampler: PowerSampler, model: MeterableModel, readTemperature: () => Promise<number | null>) {
    if (typeof model?.on !== 'function') throw new TypeError('meter() needs a model with on() events');
    this.#sampler = sampler;
    this.#readTemperature = readTemperature;
    this.#detach.push(
      model.on('inference:start', (e) => {
        const r = this.#running.get(e.requestId) ?? { model: e.model, startedAt: null, promptTokens: 0, firstTokenAt: null };
        r.model = e.model;
        r.startedAt = e.at;
        r.promptTokens = e.promptTokens;
        this.#running.set(e.requestId, r);
      }),
      model.on('token', (e) => {
        const r = this.#running.get(e.requestId);
        if (r !== undefined && r.firstTokenAt === null) r.firstTokenAt = e.at;
      }),
      model.on('inference:end', (e) => {
        const r = this.#running.get(e.requestId);
        this.#running.delete(e.requestId);
        if (r === undefined || r.startedAt === null) return;
        void this.#report(e.requestId, r, e.at, e.generatedTokens, String(e.stopReason), e.promptTokens);
      }),
      sampler.on('sample', (s) => this.#checkBudgets(s)),
    );
    if (typeof model.useBudgetMonitor === 'function') this.#detach.push(model.useBudgetMonitor(this));
  }

  /**
   * Listen to `report`.
   *
   * @returns a function that removes the listener
   */
  on<K extends keyof EnergyMeterEvents>(event: K, listener: Listener<EnergyMeterEvents, K>): () => void {
    return this.#events.on(event, listener);
  }

  /** Remove a listener. */
  off<K extends keyof EnergyMeterEvents>(event: K, listener: Listener<EnergyMeterEvents, K>): void {
    this.#events.off(event, listener);
  }

  /**
   * The next report (call it before starting the inference you want).
   * Rejects with `E_SENSOR` when that inference ended before the sampler had
   * taken a single sample (every read failing, for instance).
   */
  next(): Promise<InferenceEnergyReport> {
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** The most recent report, or null. */
  get last(): InferenceEnergyReport | null {
    return this.#lastReport;
  }

  /**
   * @internal Called by the model for a generation with a budget.
   */
  watch(requestId: number, budget: GenerationBudget, stop: (reason: BudgetStopReason) => void): () => void {
    const r = this.#running.get(requestId) ?? { model: '', startedAt: null, promptTokens: 0, firstTokenAt: null };
    r.budget = { limits: budget, stop };
    this.#running.set(requestId, r);
    if (budget.celsius !== undefined) this.#checkTemperature(true);
    return () => {
      const current = this.#running.get(requestId);
      if (current === undefined) return;
      delete current.budget;
      if (current.startedAt === null) this.#running.delete(requestId); // ended before it started
    };
  }

  /** Detach from the model and the sampler. Pending reports still arrive. Closing twice is harmless. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#detach.splice(0)) off();
  }

  /** Same as {@link EnergyMeter.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  async #report(requestId: number, r: Running, end: number, generatedTokens: number, stopReason: string, promptTokens: number): Promise<void> {
    const sampler = this.#sampler;
    // Bracket the end with a sample; a closed or stalled sampler holds its last power instead (flagged interpolated).
    await sampler.whenSampledPast(end, sampler.intervalMs * 3 + 2000);
    const start = r.startedAt!;
    const firstToken = r.firstTokenAt === null ? end : Math.min(Math.max(r.firstTokenAt, start), end);
    const whole = sampler.energy(start, end);
    const prefill = sampler.energy(start, firstToken);
    const decode = sampler.energy(firstToken, end);
    if (whole === null || prefill === null || decode === null) {
      const last = sampler.lastError;
      const error = new TinyEdgeError('E_SENSOR', `No power sample from ${sampler.source.id} during inference ${requestId} (${sampler.errors} failed reads${last === null ? '' : `; last: ${last.message}`}).`,
        last?.hint ?? 'Check the power source with `tinyedge power`.');
      for (const w of this.#waiters.splice(0)) w.reject(error);
      return;
    }
    const idleW = sampler.idleW;
    const durationMs = end - start;
    const joulesPerToken = generatedTokens > 0 ? whole.joules / generatedTokens : null;
    const report: InferenceEnergyReport = {
      requestId, model: r.model, stopReason, startedAt: start, durationMs,
      joules: whole.joules,
      netJoules: idleW === null ? null : whole.joules - (idleW * durationMs) / 1000,
      idleW,
      avgW: whole.avgW, peakW: whole.peakW, promptTokens: promptTokens || r.promptTokens, generatedTokens, joulesPerToken,
      prefill: { ms: firstToken - start, joules: prefill.joules, interpolated: prefill.interpolated },
      decode: {
        ms: end - firstToken, joules: decode.joules, interpolated: decode.interpolated,
        joulesPerToken: generatedTokens > 1 ? decode.joules / (generatedTokens - 1) : null,
      },
      interpolated: whole.interpolated || prefill.interpolated || decode.interpolated,
      samples: whole.samples,
      kind: sampler.kind, source: sampler.source.id,
      badge: joulesPerToken === null ? null : energyBadge(joulesPerToken),
    };
    this.#lastReport = report;
    this.#events.emit('report', report);
    for (const w of this.#waiters.splice(0)) w.resolve(report);
  }

  #checkBudgets(sample: PowerSample): void {
    let thermal = false;
    for (const r of this.#running.values()) {
      const budget = r.budget;
      if (budget === undefined) continue;
      if (budget.limits.celsius !== undefined) thermal = true;
      if (budget.limits.joules === undefined || r.startedAt === null || sample.t <= r.startedAt) continue;
      const spent = this.#sampler.energy(r.startedAt, sample.t);
      if (spent !== null && spent.joules >= budget.limits.joules) {
        delete r.budget;
        budget.stop('energyBudget');
      }
    }
    if (thermal) this.#checkTemperature(false);
  }

  #checkTemperature(now: boolean): void {
    const t = performance.now();
    if (this.#thermalBusy || (!now && t - this.#thermalAt < THERMAL_POLL_MS)) return;
    this.#thermalAt = t;
    this.#thermalBusy = true;
    this.#readTemperature().then((celsius) => {
      if (celsius === null) return;
      for (const r of this.#running.values()) {
        const budget = r.budget;
        if (budget?.limits.celsius !== undefined && celsius >= budget.limits.celsius) {
          delete r.budget;
          budget.stop('thermalBudget');
        }
      }
    }, () => undefined).finally(() => {
      this.#thermalBusy = false;
    });
  }
}
