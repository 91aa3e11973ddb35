// Builders: the shapes other modules hand us (accepted structurally, so
// telemetry depends on no other module's types) mapped onto the declared
// payloads. Every builder ends in pickFields, which copies declared fields
// only; nothing here reads a text field.
import { pickFields } from './payload-fields.js';
import { BOARD_SPEC, INFERENCE_SPEC, POWER_SPEC, STATUS_SPEC } from './telemetry-payloads.js';
import type { BoardPayload, DataEnvelope, InferencePayload, PowerPayload, StatusPayload } from './telemetry-payloads.js';

/** A power sample as the power sampler emits it (`PowerSample`). */
export interface PowerSampleInput {
  /** Sample time, ms on the monotonic `performance.now()` clock of this process. */
  t: number;
  /** Power, W. */
  watts: number;
  /** Measured by a sensor or estimated. */
  kind: 'measured' | 'estimated';
}

/** The runtime's `inference:end` event, as far as telemetry reads it. Other fields (text, errors, names) are ignored. */
export interface InferenceEndInput {
  /** Identifies the generation. */
  requestId: number;
  /** Why it ended. */
  stopReason?: string;
  /** Prompt tokens, BOS included. */
  promptTokens?: number;
  /** Tokens generated. */
  generatedTokens?: number;
  /** Duration, ms. */
  durationMs: number;
  /** Time inside the interpreter, ms. */
  inferMs?: number;
  /** Full stats, when the generation succeeded. */
  stats?: {
    /** Which interpreter ran it (`native`, `portable`). */
    backend?: string;
    /** Time to first token, ms. */
    timeToFirstTokenMs?: number;
    /** Decode rate, tokens/s. */
    tokensPerSecond?: number;
    /** Share outside the interpreter, 0..1. */
    outsideInferFraction?: number;
  };
}

/** Energy of one phase (prefill or decode) of an inference. */
export interface PhaseEnergyInput {
  /** Duration, ms. */
  ms: number;
  /** Energy, J. */
  joules: number;
}

/** The power meter's `InferenceEnergyReport`, as far as telemetry reads it. */
export interface InferenceEnergyInput {
  /** Identifies the generation. */
  requestId: number;
  /** Duration, ms. */
  durationMs: number;
  /** Whole-device energy, J. */
  joules: number;
  /** Energy above idle, J (null: no idle baseline). */
  netJoules?: number | null;
  /** Mean power, W. */
  avgW: number;
  /** Peak power, W. */
  peakW: number;
  /** J per generated token (null: no token). */
  joulesPerToken?: number | null;
  /** Prompt processing window. */
  prefill?: PhaseEnergyInput;
  /** Decode window. */
  decode?: PhaseEnergyInput;
  /** True when energy was interpolated. */
  interpolated?: boolean;
  /** Measured or estimated. */
  kind: 'measured' | 'estimated';
  /** Energy badge, `A` to `G` (null: no token). */
  badge?: string | null;
}

/**
 * What `publishInference` takes: the `inference:end` event, optionally with
 * the meter's energy report under `energy`; or an energy report alone.
 */
export type InferenceReportInput = InferenceWithEnergyInput | InferenceEnergyInput;

/** An `inference:end` event with the meter's energy report joined. */
export interface InferenceWithEnergyInput extends InferenceEndInput {
  /** The energy report of the same request, when a meter was attached. */
  energy?: InferenceEnergyInput;
}

/**
 * What `publishBoard` takes: a board summary, the board payload without its
 * envelope (every field but `board` optional). A `powerSource` id is reduced
 * to a slug (a `serial:/dev/...` id becomes `serial`).
 */
export type BoardSummaryInput = Omit<BoardPayload, keyof DataEnvelope>;

/** A detected board (`detectBoard()`'s result), as far as a board summary reads it. */
export interface DetectedBoardInput {
  /** The board profile. */
  profile: {
    /** Board profile id. */
    id: string;
    /** CPU architecture. */
    arch?: 'arm64' | 'arm' | 'x64';
    /** CPU description. */
    cpu?: {
      /** Cores. */
      cores?: number;
      /** Highest clock, MHz. */
      maxMHz?: number;
    };
  };
  /** Memory, MB. */
  memoryMB?: number;
  /** CPUs found. */
  cores?: number;
}

/**
 * A {@link BoardSummaryInput} from a detected board, plus live readings.
 *
 * @param detected - `detectBoard()`'s result (or anything with its shape)
 * @param readings - SoC temperature, CPU utilisation, power source
 * @returns the summary to pass to `publishBoard`
 * @example
 * ```ts
 * await link.publishBoard(boardSummaryFrom(await detectBoard(), { socTempC: 51.2 }));
 * ```
 */
export function boardSummaryFrom(detected: DetectedBoardInput, readings: Omit<BoardSummaryInput, 'board' | 'arch' | 'cores' | 'maxMHz' | 'memoryMB'> = {}): BoardSummaryInput {
  const p = detected.profile;
  const summary: BoardSummaryInput = { board: p.id, ...readings };
  if (p.arch !== undefined) summary.arch = p.arch;
  const cores = detected.cores ?? p.cpu?.cores;
  if (cores !== undefined) summary.cores = cores;
  if (p.cpu?.maxMHz !== undefined) summary.maxMHz = Math.round(p.cpu.maxMHz);
  if (detected.memoryMB !== undefined) summary.memoryMB = Math.round(detected.memoryMB);
  return summary;
}

/** The envelope fields the queue assigns. */
export interface EnvelopeFields {
  /** Sequence number. */
  seq: number;
  /** Created at, ms since the Unix epoch. */
  ts: number;
  /** Cumulative dropped count. */
  dropped: number;
}

/** @internal */
export function buildStatusPayload(state: 'online' | 'offline', session: number, ts: number): StatusPayload {
  return pickFields(STATUS_SPEC, { state, session, ts: Math.round(ts) }) as unknown as StatusPayload;
}

/** @internal */
export function buildInferencePayload(input: InferenceReportInput, env: EnvelopeFields): InferencePayload {
  if (typeof input !== 'object' || input === null) throw new TypeError(`inference report must be an object, found ${input === null ? 'null' : typeof input}`);
  const isEnergyOnly = typeof (input as InferenceEnergyInput).joules === 'number';
  const end = input as InferenceEndInput & { energy?: InferenceEnergyInput };
  const energy = isEnergyOnly ? (input as InferenceEnergyInput) : end.energy;
  const stats = isEnergyOnly ? undefined : end.stats;
  return pickFields(INFERENCE_SPEC, {
    ...env,
    requestId: input.requestId,
    durationMs: input.durationMs,
    ...(isEnergyOnly ? {} : {
      stopReason: end.stopReason, promptTokens: end.promptTokens, generatedTokens: end.generatedTokens, inferMs: end.inferMs,
      backend: stats?.backend, ttftMs: stats?.timeToFirstTokenMs, tokensPerSecond: stats?.tokensPerSecond, outsideInferFraction: stats?.outsideInferFraction,
    }),
    ...(energy === undefined ? {} : {
      energy: {
        kind: energy.kind, badge: energy.badge, joules: energy.joules, netJoules: energy.netJoules, avgW: energy.avgW, peakW: energy.peakW,
        joulesPerToken: energy.joulesPerToken, prefillMs: energy.prefill?.ms, prefillJ: energy.prefill?.joules,
        decodeMs: energy.decode?.ms, decodeJ: energy.decode?.joules, interpolated: energy.interpolated,
      },
    }),
  }) as unknown as InferencePayload;
}

/** @internal */
export function buildBoardPayload(summary: BoardSummaryInput, env: EnvelopeFields): BoardPayload {
  if (typeof summary !== 'object' || summary === null) throw new TypeError(`board summary must be an object, found ${summary === null ? 'null' : typeof summary}`);
  return pickFields(BOARD_SPEC, { ...pickKnown(summary), ...env, powerSource: sourceSlug(summary.powerSource) }) as unknown as BoardPayload;
}

function pickKnown(s: BoardSummaryInput): Record<string, unknown> {
  const { board, arch, cores, maxMHz, memoryMB, socTempC, cpuUtilisation, powerKind } = s;
  return { board, arch, cores, maxMHz, memoryMB, socTempC, cpuUtilisation, powerKind };
}

/** A power source id reduced to a slug: lowercase, and only the part before `:` when the rest is not a slug (a device path). */
export function sourceSlug(id: string | undefined): string | undefined {
  if (typeof id !== 'string' || id === '') return undefined;
  const lower = id.toLowerCase();
  if (/^[a-z0-9][a-z0-9._:-]{0,63}$/.test(lower)) return lower;
  const head = lower.split(':')[0] ?? '';
  return /^[a-z0-9][a-z0-9._-]{0,63}$/.test(head) ? head : undefined;
}

/**
 * Turns batches of power samples into power payloads, keeping the running
 * energy total (trapezoid rule over consecutive samples, across batches).
 *
 * @internal
 */
export class PowerAccumulator {
  #last: PowerSampleInput | undefined;
  #totalJ = 0;
  readonly #timeOrigin: number;

  /** @param timeOrigin - epoch ms of `performance.now()` 0 (samples' `t` are on that clock) */
  constructor(timeOrigin: number) {
    this.#timeOrigin = timeOrigin;
  }

  /** Checks samples and splits them into runs of one kind, in order. */
  static runs(samples: readonly PowerSampleInput[]): PowerSampleInput[][] {
    if (!Array.isArray(samples)) throw new TypeError(`samples must be an array of power samples, found ${typeof samples}`);
    const runs: PowerSampleInput[][] = [];
    samples.forEach((s, i) => {
      if (typeof s !== 'object' || s === null || typeof s.t !== 'number' || !Number.isFinite(s.t) ||
          typeof s.watts !== 'number' || !Number.isFinite(s.watts) || (s.kind !== 'measured' && s.kind !== 'estimated')) {
        throw new TypeError(`samples[${i}] must be { t: number, watts: number, kind: 'measured' | 'estimated' }`);
      }
      const run = runs[runs.length - 1];
      if (run !== undefined && run[0]!.kind === s.kind && run.length < 10_000) run.push(s);
      else runs.push([s]);
    });
    return runs;
  }

  /** The payload of one run (all samples of one kind, at most 10,000). */
  build(run: readonly PowerSampleInput[], source: string | undefined, env: EnvelopeFields): PowerPayload {
    const first = run[0]!;
    let energyJ = 0;
    let prev = this.#last;
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const s of run) {
      if (prev !== undefined && s.t > prev.t) energyJ += ((prev.watts + s.watts) / 2) * ((s.t - prev.t) / 1000);
      prev = s;
      sum += s.watts;
      if (s.watts < min) min = s.watts;
      if (s.watts > max) max = s.watts;
    }
    this.#last = prev;
    this.#totalJ += Math.max(0, energyJ);
    return pickFields(POWER_SPEC, {
      ...env,
      kind: first.kind,
      source: sourceSlug(source),
      t0: this.#timeOrigin + first.t,
      dt: run.map((s) => Math.max(0, s.t - first.t)),
      w: run.map((s) => s.watts),
      avgW: sum / run.length,
      minW: min,
      maxW: max,
      energyJ: Math.max(0, energyJ),
      energyKWh: this.#totalJ / 3.6e6,
    }) as unknown as PowerPayload;
  }
}
