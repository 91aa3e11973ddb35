// attach(): follow a power sampler's samples, a model's inference:end events
// and the energy reports of the sampler's meter for that model, and turn
// them into publish calls. Everything is taken structurally, so telemetry
// depends on the shapes of the power and runtime modules, not their code.
import type { BoardSummaryInput, InferenceEndInput, InferenceEnergyInput, InferenceReportInput, PowerSampleInput } from './build-payloads.js';

/** Anything with `on(event, listener)`; removal through the returned function, `off` or `removeListener`. */
export interface EventSourceLike<E extends string, P> {
  /** Add a listener. */
  on(event: E, listener: (payload: P) => void): unknown;
  /** Remove a listener (when `on` returns nothing usable). */
  off?(event: E, listener: (payload: P) => void): unknown;
}

/** An energy meter as the power sampler's `meter(model)` returns it. */
export interface EnergyMeterLike extends EventSourceLike<'report', InferenceEnergyInput> {
  /** Stop metering; called when the attachment ends. */
  close?(): unknown;
}

/** A model as far as telemetry follows it: its `inference:end` events. */
export type ModelLike = EventSourceLike<'inference:end', InferenceEndInput>;

/** A power sampler as far as telemetry follows it. */
export interface PowerSamplerLike extends EventSourceLike<'sample', PowerSampleInput> {
  /** The power source; its id becomes the power payloads' `source`. */
  readonly source?: {
    /** Source id, e.g. `hwmon:ina219`. */
    id: string;
    /** `measured` or `estimated`. */
    kind?: string;
  };
  /** An energy meter for a model's inferences. */
  meter?(model: never): EnergyMeterLike;
}

/** What {@link TelemetryLink.attach} follows. */
export interface AttachOptions {
  /** Power samples are published in batches; with `model`, its meter's energy reports join the inference reports. */
  sampler?: PowerSamplerLike;
  /** Each `inference:end` is published as an inference report. */
  model?: ModelLike;
}

/** What attach needs from the link. */
export interface AttachTarget {
  publishPower(samples: PowerSampleInput[], source?: string): Promise<unknown>;
  publishInference(report: InferenceReportInput): Promise<unknown>;
  publishBoard?(summary: BoardSummaryInput): Promise<unknown>;
  reportError(err: unknown): void;
}

/** Batching and waiting of {@link attachSources}. */
export interface AttachTiming {
  /** Power samples are published at least this often while they arrive, ms. */
  powerBatchMs: number;
  /** How long an inference report waits for its energy report, ms. */
  energyWaitMs: number;
}

function listen<E extends string, P>(source: EventSourceLike<E, P>, event: E, listener: (payload: P) => void): () => void {
  const off = source.on(event, listener);
  if (typeof off === 'function') return off as () => void;
  return () => {
    if (typeof source.off === 'function') source.off(event, listener);
    else (source as unknown as { removeListener?: (e: E, l: (p: P) => void) => void }).removeListener?.(event, listener);
  };
}

/**
 * Follow `options.sampler` and `options.model`; returns a function that stops
 * following them, after publishing the samples still batched.
 *
 * @internal
 */
export function attachSources(options: AttachOptions, target: AttachTarget, timing: AttachTiming): () => void {
  if (typeof options !== 'object' || options === null) throw new TypeError('attach takes { sampler?, model? }');
  const { sampler, model } = options;
  if (sampler !== undefined && typeof sampler?.on !== 'function') throw new TypeError('sampler must have on("sample", listener)');
  if (model !== undefined && typeof model?.on !== 'function') throw new TypeError('model must have on("inference:end", listener)');
  const stops: Array<() => void> = [];

  if (sampler !== undefined) {
    let batch: PowerSampleInput[] = [];
    const flush = (): void => {
      if (batch.length === 0) return;
      const samples = batch;
      batch = [];
      target.publishPower(samples, sampler.source?.id).catch((err: unknown) => target.reportError(err));
    };
    const timer = setInterval(flush, timing.powerBatchMs);
    timer.unref();
    const off = listen(sampler, 'sample', (s) => {
      // Copy the declared fields now: the sampler may reuse its objects.
      batch.push({ t: s.t, watts: s.watts, kind: s.kind });
      if (batch.length >= 1000) flush();
    });
    stops.push(() => {
      off();
      clearInterval(timer);
      flush();
    });
  }

  if (model !== undefined) {
    const meter = typeof sampler?.meter === 'function' ? sampler.meter(model as never) : undefined;
    const waiting = new Map<number, { end?: InferenceEndInput; energy?: InferenceEnergyInput; timer?: NodeJS.Timeout }>();
    const publish = (requestId: number): void => {
      const entry = waiting.get(requestId);
      if (entry?.end === undefined) return;
      waiting.delete(requestId);
      clearTimeout(entry.timer);
      const report = entry.energy === undefined ? entry.end : { ...entry.end, energy: entry.energy };
      target.publishInference(report).catch((err: unknown) => target.reportError(err));
    };
    stops.push(listen(model, 'inference:end', (end) => {
      const entry = waiting.get(end.requestId) ?? {};
      clearTimeout(entry.timer);
      entry.end = end;
      waiting.set(end.requestId, entry);
      if (meter === undefined || entry.energy !== undefined) publish(end.requestId);
      else entry.timer = setTimeout(() => publish(end.requestId), timing.energyWaitMs);
    }));
    if (meter !== undefined && typeof meter.on === 'function') {
      stops.push(listen(meter, 'report', (energy) => {
        const entry = waiting.get(energy.requestId) ?? {};
        entry.energy = energy;
        waiting.set(energy.requestId, entry);
        if (entry.end !== undefined) publish(energy.requestId);
        // A report for an inference this attachment never sees the end of: forget it in time.
        else entry.timer = setTimeout(() => waiting.delete(energy.requestId), timing.energyWaitMs * 2);
      }));
      stops.push(() => void meter.close?.());
    }
    stops.push(() => {
      for (const id of [...waiting.keys()]) publish(id);
      for (const e of waiting.values()) clearTimeout(e.timer);
      waiting.clear();
    });
  }

  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    for (const stop of stops) stop();
  };
}
