import type { BoardArch } from '../hal/board-profile.js';
import type { BoardMatchRule } from '../hal/detect.js';
import type { EnergyBadge } from '../power/energy-badge.js';
import type { PowerBoundary, PowerKind } from '../power/power-source.js';

/** One power sample of a bench session. */
export interface BenchSample {
  /** Time since the session started, ms. */
  t: number;
  /** Power, watts (`measured` or `estimated`: see {@link BenchSession.power}). */
  watts: number;
  /** The process's resident set size when the sample was taken, MB (Node and the inference worker included). */
  rssMb: number;
}

/** The energy of one inference, from `sampler.meter(model)`. */
export interface BenchInferenceEnergy {
  /** Gross energy, joules. */
  joules: number;
  /** Energy above the idle baseline, joules; null without a baseline. */
  netJoules: number | null;
  /** Mean power, watts. */
  avgW: number;
  /** Highest power, watts. */
  peakW: number;
  /** Gross joules per generated token; null when no token was generated. */
  joulesPerToken: number | null;
  /** Energy badge from `joulesPerToken`, or null. */
  badge: EnergyBadge | null;
  /** Samples inside the inference. */
  samples: number;
  /** True when the inference was shorter than the sampling can resolve and its energy is interpolated. */
  interpolated: boolean;
}

/** One inference of a bench session. */
export interface BenchInference {
  /** Index of its model in {@link BenchSession.models}. */
  model: number;
  /** The generation's id, as in the model's events. */
  requestId: number;
  /** When it started, ms since the session started (the model's `inference:start`). */
  startMs: number;
  /** When it ended, ms since the session started (`inference:end`). */
  endMs: number;
  /** Prompt tokens, BOS included. */
  promptTokens: number;
  /** Tokens generated. */
  generatedTokens: number;
  /** Time to first token, ms. */
  timeToFirstTokenMs: number;
  /** Decode rate, tokens per second. */
  tokensPerSecond: number;
  /** Time to action, ms, for the `assistant` workload; null otherwise. */
  timeToActionMs: number | null;
  /** Its energy, or null when the meter had no sample for it. */
  energy: BenchInferenceEnergy | null;
}

/** What a model did during the session, summed up. */
export interface BenchModelSummary {
  /** Inferences run. */
  inferences: number;
  /** Tokens generated over all inferences. */
  generatedTokens: number;
  /** Median decode rate over the warm inferences (all but the first; the first when there is only one), tokens per second. */
  tokensPerSecond: number;
  /** Median time to first token over the warm inferences, ms. */
  timeToFirstTokenMs: number;
  /** Time to first token of the first inference after loading, ms. */
  coldTimeToFirstTokenMs: number;
  /** Median time to action over the warm inferences, ms, for the `assistant` workload; null otherwise. */
  timeToActionMs: number | null;
  /** Gross energy over all metered inferences, joules. */
  joules: number;
  /** Gross joules per generated token over all metered inferences; null when none was metered. */
  joulesPerToken: number | null;
  /** Net (above idle) joules per generated token; null without an idle baseline or metered inferences. */
  netJoulesPerToken: number | null;
  /** The energy badge from `joulesPerToken`, or null. */
  badge: EnergyBadge | null;
  /** Highest resident set size of the process while this model was loaded and running, MB (Node included). */
  peakRssMb: number;
  /** Inferences whose energy is interpolated (shorter than the sampling can resolve). */
  interpolated: number;
}

/** One model of a bench session. */
export interface BenchModel {
  /** The bundle's manifest name. */
  name: string;
  /** What was asked for: a bundled name or a path; `demo` for the random-weights model made when nothing else was there. */
  spec: string;
  /** Where it came from, in words (e.g. `bundled`, `random weights in the stories260K shape`). */
  origin: string;
  /** Parameters of the network. */
  parameters: number;
  /** Weight storage. */
  quantization: 'none' | 'int8';
  /** Bytes of the bundle's files. */
  bundleBytes: number;
  /** The backend that ran it: `native`, `portable` or `fake`. */
  backend: string;
  /** `assistant` (requests through `createAssistant`) or `generate` (free text from a prompt). */
  workload: 'assistant' | 'generate';
  /** `loadModel` time, ms. */
  loadMs: number;
  /** When loading started, ms since the session started. */
  loadStartMs: number;
  /** When loading ended, ms since the session started. */
  loadEndMs: number;
  /** The figures over its inferences. */
  summary: BenchModelSummary;
}

/** Everything a bench session measured: what `tinyedge bench --json` prints and the report page embeds. */
export interface BenchSession {
  /** Version of this shape; 1. */
  version: 1;
  /** tinyedge's version. */
  tinyedge: string;
  /** When the session started, ISO 8601. */
  startedAt: string;
  /** From the first sample to the end, seconds. */
  durationS: number;
  /** The machine. */
  machine: {
    /** CPU model, from Node. */
    cpu: string;
    /** Logical CPUs. */
    cores: number;
    /** Node's version. */
    node: string;
    /** The OS, e.g. `linux 6.1.0`. */
    os: string;
  };
  /** The board, as `detectBoard` found it. */
  board: {
    /** Profile id. */
    id: string;
    /** Profile name. */
    name: string;
    /** Which rule matched. */
    matchedBy: BoardMatchRule;
    /** The evidence. */
    matchDetail: string;
    /** Userland architecture. */
    arch: BoardArch;
    /** CPUs. */
    cores: number;
    /** RAM, MB. */
    memoryMB: number;
  };
  /** The power source and how it was sampled. */
  power: {
    /** Source id, e.g. `hwmon:ina219` or `estimate`. */
    source: string;
    /** `measured` by a sensor or `estimated` from a model of the board: never mix the two up. */
    kind: PowerKind;
    /** What it measures, in words. */
    label: string;
    /** What the watts include. */
    boundary: PowerBoundary;
    /** Samples per second. */
    hz: number;
    /** Idle baseline measured before the models loaded, watts; null when it could not be measured. */
    idleW: number | null;
    /** Failed reads during the session. */
    errors: number;
    /** Energy over the whole session, joules. */
    energyJ: number;
    /** Mean power over the session, watts. */
    avgW: number;
    /** Highest sample, watts. */
    peakW: number;
  };
  /** Every sample, oldest first. */
  samples: BenchSample[];
  /** The models, in the order they ran. */
  models: BenchModel[];
  /** Every inference, in order. */
  inferences: BenchInference[];
  /** Peak resident set size of the whole process over the session, MB (`process.resourceUsage().maxRSS`). */
  processPeakRssMb: number;
}
