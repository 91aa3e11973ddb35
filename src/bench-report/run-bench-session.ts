import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, release, tmpdir, type } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAssistant } from '../appliance/assistant.js';
import { isTinyEdgeError, TinyEdgeError } from '../errors.js';
import { detectBoard } from '../hal/detect.js';
import type { LlamaConfig } from '../models/llama/config.js';
import type { EnergyMeter, InferenceEnergyReport } from '../power/energy-meter.js';
import { openPowerSampler } from '../power/open-power-sampler.js';
import type { PowerSourceName } from '../power/open-power-source.js';
import type { PowerSource } from '../power/power-source.js';
import type { InferenceEndEvent, InferenceStartEvent } from '../runtime/model-events.js';
import { loadModel } from '../runtime/load-model.js';
import type { Model } from '../runtime/model.js';
import { packageRoot } from '../runtime/package-root.js';
import { resolveModelLocation } from '../runtime/resolve-model-location.js';
import type { BenchInference, BenchModel, BenchSample, BenchSession } from './bench-session.js';
import { createDemoBundle, DEMO_ORIGIN } from './create-demo-bundle.js';
import { summarizeBenchModel } from './summarize-bench-model.js';

/** Options of {@link runBenchSession}. */
export interface BenchSessionOptions {
  /**
   * Models to run, one after another: bundled names or bundle directories, or `demo` for a
   * random-weights model in the stories260K shape. Default: `appliance` when it is bundled, else `demo`.
   */
  models?: string[];
  /** Filesystem root for board detection and the power source (a fixture tree in tests). Default `/`. */
  boardRoot?: string;
  /** The power source, as `openPowerSampler` takes it. Default `auto` (the best measured source, else the estimate). */
  source?: PowerSourceName | PowerSource;
  /** Power samples per second, in (0, 1000]. Default 20. */
  hz?: number;
  /** Seconds of inferences per model (at least 3 inferences each, at most 200). Default 5. */
  durationS?: number;
  /** Idle baseline measured before the first model loads, ms; 0 skips it. Default 1000. */
  idleMs?: number;
  /** Pause after each inference, ms, so the trace shows each one rise above idle. Default 250. */
  restMs?: number;
  /**
   * What each model runs: `assistant` (requests through `createAssistant`: an appliance-contract model),
   * `generate` (free text from a prompt), or `auto`: `assistant` for a model named `appliance`, else `generate`. Default `auto`.
   */
  workload?: 'auto' | 'assistant' | 'generate';
  /** Most tokens per generation for the `generate` workload. Default 256. */
  maxTokens?: number;
  /** Where bundled models live (`loadModel`'s `modelsDir`). Default: the package's `models/`. */
  modelsDir?: string;
  /** Called with a line of progress as each step starts. */
  onProgress?: (line: string) => void;
}

/** Requests of the `assistant` workload: one of each kind of action. */
const ASSISTANT_REQUESTS: readonly string[] = [
  'put three apples on the shopping list',
  'set the freezer to minus eighteen degrees',
  'what is going off soon',
  'start a timer for ten minutes',
  'what goes into pancakes',
  'switch to holiday mode',
  'take butter off my list',
  'how cold is the fridge right now',
];

/** The prompt of the `generate` workload. */
const PROMPT = 'Once upon a time';
const MIN_INFERENCES = 3;
const MAX_INFERENCES = 200;
const MB = 1024 * 1024;

/**
 * Run a short measured session on this machine: detect the board, open a
 * power sampler, measure the idle baseline, then load each model and run
 * inferences on it for `durationS` seconds, metering each one with
 * `sampler.meter(model)`. Models named `appliance` answer assistant requests
 * (`createAssistant`); any other model generates text from a prompt (see
 * {@link BenchSessionOptions.workload}). Every
 * power sample is kept, with the process's resident memory at that moment.
 * Feed the result to `renderBenchReport` for a page, or print it as JSON.
 *
 * @param options - see {@link BenchSessionOptions}
 * @returns the session's samples, inferences and per-model figures
 * @throws TypeError / RangeError for bad options
 * @throws TinyEdgeError from `detectBoard`, `openPowerSampler` (a source that is not there) or `loadModel`
 *   (`E_NOT_FOUND` for a missing bundle, ...)
 * @example
 * ```ts
 * const session = await runBenchSession({ durationS: 3 });
 * await writeFile('bench.html', renderBenchReport(session));
 * ```
 */
export async function runBenchSession(options: BenchSessionOptions = {}): Promise<BenchSession> {
  const hz = options.hz ?? 20;
  const durationS = options.durationS ?? 5;
  const idleMs = options.idleMs ?? 1000;
  const restMs = options.restMs ?? 250;
  const maxTokens = options.maxTokens ?? 256;
  if (!(durationS > 0) || !Number.isFinite(durationS)) throw new RangeError(`durationS must be a number of seconds > 0, found ${String(durationS)}`);
  if (!(idleMs >= 0) || !Number.isFinite(idleMs)) throw new RangeError(`idleMs must be >= 0, found ${String(idleMs)}`);
  if (!(restMs >= 0) || !Number.isFinite(restMs)) throw new RangeError(`restMs must be >= 0, found ${String(restMs)}`);
  if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new RangeError(`maxTokens must be an integer >= 1, found ${String(maxTokens)}`);
  const workloadOption = options.workload ?? 'auto';
  if (!['auto', 'assistant', 'generate'].includes(workloadOption)) throw new RangeError(`workload must be auto, assistant or generate, found ${JSON.stringify(workloadOption)}`);
  const progress = options.onProgress ?? ((): void => undefined);
  const root = options.boardRoot ?? '/';
  const modelsDir = options.modelsDir ?? join(packageRoot(), 'models');
  const specs = options.models !== undefined && options.models.length > 0 ? options.models
    : [existsSync(join(modelsDir, 'appliance', 'manifest.json')) ? 'appliance' : 'demo'];

  // Fail before measuring anything when a model is not there.
  for (const spec of specs) {
    if (spec === 'demo') continue;
    const dir = resolveModelLocation(spec, { modelsDir });
    if (!existsSync(join(dir, 'manifest.json'))) {
      throw new TinyEdgeError('E_NOT_FOUND', `no model bundle at ${dir} (no manifest.json)`, 'Pass a bundle directory made by `tinyedge convert` or `tinyedge train`, the name of a bundled model, or demo.');
    }
  }

  const startedAt = new Date();
  const detected = await detectBoard({ root });
  progress(`board: ${detected.profile.name} (${detected.matchedBy})`);
  const sampler = await openPowerSampler({ root, board: detected.profile, hz, ...(options.source === undefined ? {} : { source: options.source }) });
  progress(`power: ${sampler.source.id} (${sampler.source.kind}) at ${hz} Hz`);
  const origin = sampler.startedAt;
  const since = (t: number): number => t - origin;
  const samples: BenchSample[] = [];
  const offSample = sampler.on('sample', (s) => samples.push({ t: since(s.t), watts: s.watts, rssMb: process.memoryUsage.rss() / MB }));
  const models: BenchModel[] = [];
  const inferences: BenchInference[] = [];
  let demoDir: string | null = null;
  let idleW: number | null = null;
  try {
    if (idleMs > 0) {
      progress(`idle baseline: ${(idleMs / 1000).toFixed(1)} s`);
      idleW = await sampler.measureIdle({ durationMs: idleMs }).catch((err: unknown) => {
        if (isTinyEdgeError(err, 'E_SENSOR')) return null;
        throw err;
      });
    }
    for (const spec of specs) {
      let location = spec;
      let modelOrigin = 'bundle directory';
      if (spec === 'demo') {
        demoDir ??= await createDemoBundle(join(await mkdtemp(join(tmpdir(), 'tinyedge-bench-')), 'demo-stories260K'));
        location = demoDir;
        modelOrigin = DEMO_ORIGIN;
      } else if (existsSync(join(modelsDir, spec, 'manifest.json')) && !spec.includes('/')) {
        modelOrigin = 'bundled with tinyedge';
      }
      progress(`loading ${spec}`);
      const loadStart = performance.now();
      const model = await loadModel(location, { modelsDir });
      const index = models.length;
      try {
        const loadEnd = performance.now();
        const workload = workloadOption !== 'auto' ? workloadOption : model.name === 'appliance' ? 'assistant' : 'generate';
        progress(`${model.name}: ${workload === 'assistant' ? 'assistant requests' : `generations of up to ${maxTokens} tokens`} for ${durationS} s`);
        const ran = await runInferences(model, sampler.meter(model), { workload, durationMs: durationS * 1000, restMs, maxTokens, index, since });
        inferences.push(...ran.inferences);
        const end = performance.now();
        const rss = Math.max(ran.peakRssMb, ...samples.filter((s) => s.t >= since(loadStart) && s.t <= since(end)).map((s) => s.rssMb));
        const c = model.manifest.hyperparameters;
        models.push({
          name: model.name, spec, origin: modelOrigin,
          parameters: llamaParameters(c),
          quantization: model.manifest.quantization,
          bundleBytes: Object.values(model.manifest.files).reduce((n, file) => n + file.bytes, 0),
          backend: model.backend, workload, loadMs: model.loadMs, loadStartMs: since(loadStart), loadEndMs: since(loadEnd),
          summary: summarizeBenchModel(ran.inferences, workload, rss),
        });
      } finally {
        await model.close();
      }
    }
    // Bracket the last inference's rest with a sample, so the trace ends at idle.
    await sampler.whenSampledPast(performance.now(), sampler.intervalMs * 3 + 1000);
  } finally {
    offSample();
    await sampler.close();
    if (demoDir !== null) await rm(resolve(demoDir, '..'), { recursive: true, force: true });
  }
  const s = sampler.summary();
  return {
    version: 1,
    tinyedge: packageVersion(),
    startedAt: startedAt.toISOString(),
    durationS: samples.length === 0 ? 0 : samples[samples.length - 1]!.t / 1000,
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, os: `${type().toLowerCase()} ${release()}` },
    board: {
      id: detected.profile.id, name: detected.profile.name, matchedBy: detected.matchedBy, matchDetail: detected.matchDetail,
      arch: detected.arch, cores: detected.cores, memoryMB: detected.memoryMB,
    },
    power: {
      source: sampler.source.id, kind: sampler.source.kind, label: sampler.source.label, boundary: sampler.source.boundary, hz,
      idleW, errors: s.errors, energyJ: s.energyJ, avgW: s.avgW, peakW: s.peakW,
    },
    samples, models, inferences,
    processPeakRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

interface InferenceRun {
  workload: 'assistant' | 'generate';
  durationMs: number;
  restMs: number;
  maxTokens: number;
  index: number;
  since: (t: number) => number;
}

/** Run inferences on one model until the time is up; each metered, each followed by a rest. */
async function runInferences(model: Model, meter: EnergyMeter, run: InferenceRun): Promise<{ inferences: BenchInference[]; peakRssMb: number }> {
  // Inferences run one at a time, so the latest start and end events are the current inference's.
  const seen: { start: InferenceStartEvent | null; end: InferenceEndEvent | null } = { start: null, end: null };
  const offStart = model.on('inference:start', (e) => void (seen.start = e));
  const offEnd = model.on('inference:end', (e) => void (seen.end = e));
  const assistant = run.workload === 'assistant' ? createAssistant({ model }) : null;
  const out: BenchInference[] = [];
  let peakRssMb = process.memoryUsage.rss() / MB;
  const first = performance.now();
  try {
    for (let i = 0; i < MAX_INFERENCES && (i < MIN_INFERENCES || performance.now() - first < run.durationMs); i++) {
      const energy = meter.next();
      energy.catch(() => undefined); // awaited below; never unhandled when the inference fails first
      const called = performance.now();
      let stats: { promptTokens: number; generatedTokens: number; timeToFirstTokenMs: number; tokensPerSecond: number };
      let timeToActionMs: number | null = null;
      if (assistant !== null) {
        const response = await assistant.handle(ASSISTANT_REQUESTS[i % ASSISTANT_REQUESTS.length]!);
        stats = response.stats;
        timeToActionMs = response.stats.timeToActionMs;
      } else {
        stats = (await model.generate(PROMPT, { maxTokens: run.maxTokens, temperature: 0 }).result).stats;
      }
      const returned = performance.now();
      const report = await energy.catch(() => null);
      peakRssMb = Math.max(peakRssMb, process.memoryUsage.rss() / MB);
      const { start, end } = seen;
      out.push({
        model: run.index,
        requestId: end?.requestId ?? report?.requestId ?? -1,
        startMs: run.since(start?.at ?? called),
        endMs: run.since(end?.at ?? returned),
        promptTokens: stats.promptTokens,
        generatedTokens: stats.generatedTokens,
        timeToFirstTokenMs: stats.timeToFirstTokenMs,
        tokensPerSecond: stats.tokensPerSecond,
        timeToActionMs,
        energy: report === null ? null : energyOf(report),
      });
      if (run.restMs > 0) await sleep(run.restMs);
    }
  } finally {
    offStart();
    offEnd();
    meter.close();
  }
  return { inferences: out, peakRssMb };
}

function energyOf(r: InferenceEnergyReport): NonNullable<BenchInference['energy']> {
  return {
    joules: r.joules, netJoules: r.netJoules, avgW: r.avgW, peakW: r.peakW, joulesPerToken: r.joulesPerToken,
    badge: r.badge, samples: r.samples, interpolated: r.interpolated,
  };
}

/** Weights of a llama network: embeddings (and a separate classifier), attention, feed-forward, norms. */
function llamaParameters(c: LlamaConfig): number {
  const kvDim = (c.dim / c.nHeads) * c.nKvHeads;
  const layer = 2 * c.dim * c.dim + 2 * c.dim * kvDim + 3 * c.dim * c.hiddenDim + 2 * c.dim;
  return c.vocabSize * c.dim * (c.sharedClassifier ? 1 : 2) + c.nLayers * layer + c.dim;
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0-unknown';
  } catch {
    return '0.0.0-unknown';
  }
}
