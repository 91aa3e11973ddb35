import type { TinyEdgeError } from '../errors.js';
import type { PowerKind } from './power-source.js';

/** One power sample. */
export interface PowerSample {
  /** When it was taken, ms on the monotonic `performance.now()` clock (the model events' clock). */
  t: number;
  /** Power, watts. */
  watts: number;
  /** `measured` or `estimated`, from the source. */
  kind: PowerKind;
}

/** Payload of a sampler's `sensor-error` event: one failed read. */
export interface SensorErrorEvent {
  /** What went wrong. */
  error: TinyEdgeError;
  /** Failed reads in a row, this one included. */
  consecutive: number;
  /** Failed reads since the sampler opened. */
  total: number;
  /** When, `performance.now()` ms. */
  at: number;
}

/** Payload of a sampler's `recovered` event: a read succeeded after failures. */
export interface SensorRecoveredEvent {
  /** Failed reads in the run that just ended. */
  afterErrors: number;
  /** From the first failure of the run to this success, ms. */
  downMs: number;
  /** When, `performance.now()` ms. */
  at: number;
}

/** The events of a `PowerSampler`, by name. */
export interface PowerSamplerEvents {
  /** A new sample. */
  sample: PowerSample;
  /** A read failed; the sampler carries on and tries again at the next tick. */
  'sensor-error': SensorErrorEvent;
  /** Reads succeed again after failures. */
  recovered: SensorRecoveredEvent;
}

/** Energy over a time window. */
export interface EnergyWindow {
  /** Start of the window, `performance.now()` ms. */
  fromMs: number;
  /** End of the window, `performance.now()` ms. */
  toMs: number;
  /** Energy, joules (trapezoid over the samples, or the source's counter). */
  joules: number;
  /** Mean power, watts (the power at `fromMs` for an empty window). */
  avgW: number;
  /** Highest power in the window, watts. */
  peakW: number;
  /** Samples inside the window. */
  samples: number;
  /** True when the energy leans on interpolation: the window holds fewer than 2 samples, reaches past the samples held, or spans failed reads. */
  interpolated: boolean;
}

/** A sampler's account of everything since it opened (what `tinyedge power --json` prints). */
export interface PowerSummary {
  /** The source's id, e.g. `hwmon:ina219`. */
  source: string;
  /** `measured` or `estimated`. */
  kind: PowerKind;
  /** The source's label. */
  label: string;
  /** Samples taken. */
  samples: number;
  /** From the first sample to the last, seconds. */
  durationS: number;
  /** Energy from the first sample to the last, joules. */
  energyJ: number;
  /** Mean power, watts (energy over duration; the one reading's watts when there is only one). */
  avgW: number;
  /** Highest sample, watts. */
  peakW: number;
  /** Failed reads. */
  errors: number;
}

/** How well the sampler kept time. */
export interface SamplerTiming {
  /** Ticks run. */
  ticks: number;
  /** Ticks skipped because a read (or the event loop) overran its slot. */
  missedTicks: number;
  /** How late ticks started after their scheduled time, ms, over the last 1024 ticks. */
  latenessMs: {
    /** Mean. */
    mean: number;
    /** Median. */
    p50: number;
    /** 99th percentile. */
    p99: number;
    /** Largest. */
    max: number;
  };
}
