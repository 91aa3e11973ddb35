// What tinyedge publishes, declared field by field. The declarations below
// are the only way a payload is built (see payload-fields.ts) and the source
// of the JSON Schemas in TELEMETRY_SCHEMAS; the TypeScript interfaces mirror
// them for consumers, and a test checks built payloads against the schemas.
import { payloadSchema } from './payload-fields.js';
import type { PayloadSpec } from './payload-fields.js';

/** Version of every tinyedge telemetry payload (the `v` field). Bumped on any incompatible change. */
export const TELEMETRY_PAYLOAD_VERSION = 1;

/** Why a generation ended, as the runtime reports it, plus `error`. */
export const STOP_REASONS = ['maxTokens', 'eos', 'stop', 'aborted', 'contextFull', 'energyBudget', 'thermalBudget', 'error'] as const;
/** Which interpreter ran an inference: native TFLite, the portable WebAssembly backend, or a test fake. */
export const INFERENCE_BACKENDS = ['native', 'portable', 'fake'] as const;
/** Energy badges, best (`A`) to worst (`G`). */
export const ENERGY_BADGES = ['A', 'B', 'C', 'D', 'E', 'F', 'G'] as const;
/** Whether a power figure was measured by a sensor or estimated from a model of the board. */
export const POWER_KINDS = ['measured', 'estimated'] as const;
/** CPU architectures of board profiles. */
export const BOARD_ARCHES = ['arm64', 'arm', 'x64'] as const;

const version = { type: 'const', value: TELEMETRY_PAYLOAD_VERSION, description: 'payload version; this document describes version 1' } as const;
const envelope = {
  v: version,
  seq: { type: 'integer', minimum: 1, description: 'per-device sequence number: +1 per data message across all data topics, persisted across restarts; a gap means messages were dropped (see dropped)' },
  ts: { type: 'integer', minimum: 0, description: 'when the message was created, ms since the Unix epoch' },
  dropped: { type: 'integer', minimum: 0, description: 'messages this device\'s queue has dropped since it was created (cumulative)' },
} as const satisfies PayloadSpec;

/** Fields of `tinyedge/<id>/status`. */
export const STATUS_SPEC = {
  v: version,
  state: { type: 'enum', values: ['online', 'offline'], description: '`online` once connected (retained); `offline` as the will or on a clean close' },
  session: { type: 'integer', minimum: 1, description: 'connection counter, +1 per connection attempt and persisted; a will carries the session of the connection it belongs to' },
  ts: { type: 'integer', minimum: 0, description: 'when the connection was opened (online, will) or closed (clean offline), ms since the Unix epoch' },
} as const satisfies PayloadSpec;

/** Fields of `tinyedge/<id>/power`. */
export const POWER_SPEC = {
  ...envelope,
  kind: { type: 'enum', values: POWER_KINDS, description: 'measured by a sensor or estimated' },
  source: { type: 'id', optional: true, description: 'power source id, e.g. `hwmon` or `rapl` (a slug, never a path)' },
  t0: { type: 'number', minimum: 0, digits: 1, description: 'time of the first sample, ms since the Unix epoch' },
  dt: { type: 'numbers', minimum: 0, digits: 1, maxItems: 10_000, description: 'offset of each sample from t0, ms' },
  w: { type: 'numbers', digits: 4, maxItems: 10_000, description: 'power of each sample, W (same length as dt)' },
  avgW: { type: 'number', digits: 4, description: 'mean of w, W' },
  minW: { type: 'number', digits: 4, description: 'smallest sample, W' },
  maxW: { type: 'number', digits: 4, description: 'largest sample, W' },
  energyJ: { type: 'number', minimum: 0, digits: 4, description: 'energy since the previous power message\'s last sample (trapezoid rule), J' },
  energyKWh: { type: 'number', minimum: 0, digits: 9, description: 'energy since the link started, kWh (restarts from 0 with the process: Home Assistant\'s total_increasing)' },
} as const satisfies PayloadSpec;

/** Fields of `tinyedge/<id>/inference`. */
export const INFERENCE_SPEC = {
  ...envelope,
  requestId: { type: 'integer', minimum: 0, description: 'the runtime\'s request id (per process)' },
  stopReason: { type: 'enum', values: STOP_REASONS, optional: true, description: 'why the generation ended' },
  backend: { type: 'enum', values: INFERENCE_BACKENDS, optional: true, description: 'which interpreter ran it: native TFLite or the portable WebAssembly backend' },
  promptTokens: { type: 'integer', minimum: 0, optional: true, description: 'prompt tokens, BOS included' },
  generatedTokens: { type: 'integer', minimum: 0, optional: true, description: 'tokens generated' },
  durationMs: { type: 'number', minimum: 0, digits: 2, description: 'from the start of the request to its end, ms' },
  inferMs: { type: 'number', minimum: 0, digits: 2, optional: true, description: 'time inside the interpreter, ms' },
  ttftMs: { type: 'number', minimum: 0, digits: 2, optional: true, description: 'time to first token, ms' },
  tokensPerSecond: { type: 'number', minimum: 0, digits: 2, optional: true, description: 'decode rate, tokens/s' },
  outsideInferFraction: { type: 'number', minimum: 0, maximum: 1, digits: 4, optional: true, description: 'share of the request spent outside the interpreter, 0..1' },
  energy: {
    type: 'object', optional: true, description: 'energy of the inference, when a power meter was attached',
    fields: {
      kind: { type: 'enum', values: POWER_KINDS, description: 'measured or estimated power' },
      badge: { type: 'enum', values: ENERGY_BADGES, optional: true, description: 'energy badge, A (best) to G' },
      joules: { type: 'number', minimum: 0, digits: 5, description: 'energy of the whole device during the inference, J' },
      netJoules: { type: 'number', digits: 5, optional: true, description: 'joules minus idle power times duration, J (may be slightly negative from noise)' },
      avgW: { type: 'number', minimum: 0, digits: 4, description: 'mean power during the inference, W' },
      peakW: { type: 'number', minimum: 0, digits: 4, description: 'highest power sample during the inference, W' },
      joulesPerToken: { type: 'number', minimum: 0, digits: 6, optional: true, description: 'J per generated token' },
      prefillMs: { type: 'number', minimum: 0, digits: 2, optional: true, description: 'prompt processing time, ms' },
      prefillJ: { type: 'number', minimum: 0, digits: 5, optional: true, description: 'prompt processing energy, J' },
      decodeMs: { type: 'number', minimum: 0, digits: 2, optional: true, description: 'decode time, ms' },
      decodeJ: { type: 'number', minimum: 0, digits: 5, optional: true, description: 'decode energy, J' },
      interpolated: { type: 'boolean', optional: true, description: 'true when samples were too sparse and energy was interpolated' },
    },
  },
} as const satisfies PayloadSpec;

/** Fields of `tinyedge/<id>/board`. */
export const BOARD_SPEC = {
  ...envelope,
  board: { type: 'id', description: 'board profile id, e.g. `rpi5` or `simulated`' },
  arch: { type: 'enum', values: BOARD_ARCHES, optional: true, description: 'CPU architecture' },
  cores: { type: 'integer', minimum: 1, optional: true, description: 'CPU cores' },
  maxMHz: { type: 'integer', minimum: 0, optional: true, description: 'highest CPU clock, MHz' },
  memoryMB: { type: 'integer', minimum: 0, optional: true, description: 'memory, MB' },
  socTempC: { type: 'number', minimum: -100, maximum: 250, digits: 1, optional: true, description: 'SoC temperature, degrees C' },
  cpuUtilisation: { type: 'number', minimum: 0, maximum: 1, digits: 3, optional: true, description: 'CPU utilisation over all cores since the previous board message, 0..1' },
  powerKind: { type: 'enum', values: POWER_KINDS, optional: true, description: 'whether the power source measures or estimates' },
  powerSource: { type: 'id', optional: true, description: 'power source id (a slug)' },
} as const satisfies PayloadSpec;

/** `tinyedge/<id>/status`: retained; `online` on connect, `offline` as the will and on a clean close. */
export interface StatusPayload {
  /** Payload version, 1. */
  v: 1;
  /** `online` or `offline`. */
  state: 'online' | 'offline';
  /** Connection counter, +1 per connection attempt, persisted with the queue. */
  session: number;
  /** Connection opened (online, will) or closed (clean offline), ms since the Unix epoch. */
  ts: number;
}

/** Fields every data message (power, inference, board) carries. */
export interface DataEnvelope {
  /** Payload version, 1. */
  v: 1;
  /** Per-device sequence number, +1 per data message, persisted across restarts. */
  seq: number;
  /** Created at, ms since the Unix epoch. */
  ts: number;
  /** Messages the device's queue has dropped so far (cumulative). */
  dropped: number;
}

/** `tinyedge/<id>/power`: a batch of samples of one kind. */
export interface PowerPayload extends DataEnvelope {
  /** Measured or estimated. */
  kind: 'measured' | 'estimated';
  /** Power source id (a slug). */
  source?: string;
  /** First sample time, ms since the Unix epoch. */
  t0: number;
  /** Sample offsets from `t0`, ms. */
  dt: number[];
  /** Sample power, W. */
  w: number[];
  /** Mean power, W. */
  avgW: number;
  /** Smallest sample, W. */
  minW: number;
  /** Largest sample, W. */
  maxW: number;
  /** Energy since the previous power message's last sample, J. */
  energyJ: number;
  /** Energy since the link started, kWh. */
  energyKWh: number;
}

/** Energy of one inference (from the power sampler's meter). */
export interface InferenceEnergyPayload {
  /** Measured or estimated. */
  kind: 'measured' | 'estimated';
  /** Energy badge, A (best) to G. */
  badge?: 'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G';
  /** Whole-device energy during the inference, J. */
  joules: number;
  /** Energy above idle, J. */
  netJoules?: number;
  /** Mean power, W. */
  avgW: number;
  /** Peak power, W. */
  peakW: number;
  /** J per generated token. */
  joulesPerToken?: number;
  /** Prompt processing time, ms. */
  prefillMs?: number;
  /** Prompt processing energy, J. */
  prefillJ?: number;
  /** Decode time, ms. */
  decodeMs?: number;
  /** Decode energy, J. */
  decodeJ?: number;
  /** True when energy was interpolated from sparse samples. */
  interpolated?: boolean;
}

/** `tinyedge/<id>/inference`: one report per inference; counts and timings, never text. */
export interface InferencePayload extends DataEnvelope {
  /** The runtime's request id. */
  requestId: number;
  /** Why it ended. */
  stopReason?: (typeof STOP_REASONS)[number];
  /** Which interpreter ran it. */
  backend?: (typeof INFERENCE_BACKENDS)[number];
  /** Prompt tokens, BOS included. */
  promptTokens?: number;
  /** Tokens generated. */
  generatedTokens?: number;
  /** Request duration, ms. */
  durationMs: number;
  /** Time inside the interpreter, ms. */
  inferMs?: number;
  /** Time to first token, ms. */
  ttftMs?: number;
  /** Decode rate, tokens/s. */
  tokensPerSecond?: number;
  /** Share of time outside the interpreter, 0..1. */
  outsideInferFraction?: number;
  /** Energy, when a meter was attached. */
  energy?: InferenceEnergyPayload;
}

/** `tinyedge/<id>/board`: retained board summary. */
export interface BoardPayload extends DataEnvelope {
  /** Board profile id. */
  board: string;
  /** CPU architecture. */
  arch?: 'arm64' | 'arm' | 'x64';
  /** CPU cores. */
  cores?: number;
  /** Highest CPU clock, MHz. */
  maxMHz?: number;
  /** Memory, MB. */
  memoryMB?: number;
  /** SoC temperature, degrees C. */
  socTempC?: number;
  /** CPU utilisation, 0..1. */
  cpuUtilisation?: number;
  /** Measured or estimated power source. */
  powerKind?: 'measured' | 'estimated';
  /** Power source id. */
  powerSource?: string;
}

/** Data topics, each with its own payload; also the durable queue's message kinds. */
export type TelemetryDataTopic = 'power' | 'inference' | 'board';

/**
 * The JSON Schema (draft-07) of every payload, by topic name, generated from
 * the same declarations that build the payloads. Each has
 * `additionalProperties: false` everywhere, so a validator rejects any field
 * that is not declared.
 *
 * @example
 * ```ts
 * import Ajv from 'ajv';
 * const validate = new Ajv().compile(TELEMETRY_SCHEMAS.power);
 * ```
 */
export const TELEMETRY_SCHEMAS: Readonly<Record<'status' | TelemetryDataTopic, Record<string, unknown>>> = Object.freeze({
  status: payloadSchema(STATUS_SPEC, {
    $id: 'urn:tinyedge:telemetry:status:1', title: 'tinyedge status v1',
    description: 'tinyedge/<deviceId>/status: retained online on connect, offline as the will and on a clean close.',
  }),
  power: payloadSchema(POWER_SPEC, {
    $id: 'urn:tinyedge:telemetry:power:1', title: 'tinyedge power v1',
    description: 'tinyedge/<deviceId>/power: a batch of power samples of one kind, with aggregates.',
  }),
  inference: payloadSchema(INFERENCE_SPEC, {
    $id: 'urn:tinyedge:telemetry:inference:1', title: 'tinyedge inference v1',
    description: 'tinyedge/<deviceId>/inference: token counts, durations and energy of one inference; never text.',
  }),
  board: payloadSchema(BOARD_SPEC, {
    $id: 'urn:tinyedge:telemetry:board:1', title: 'tinyedge board v1',
    description: 'tinyedge/<deviceId>/board: retained board profile summary with SoC temperature.',
  }),
});
