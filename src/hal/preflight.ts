import { access as fsAccess } from 'node:fs/promises';
import { isTinyEdgeError } from '../errors.js';
import type { BoardProfile } from './board-profile.js';
import { detectBoard, type DetectedBoard } from './detect.js';
import { redactBrokerUrl } from './preflight/check-mqtt-broker.js';
import type { AccessChecker, PreflightFinding, PreflightReport } from './preflight/preflight-types.js';
import { probeNativeBackend, type NativeProbeResult } from './preflight/probe-native-backend.js';
import { readCpuArchitecture } from './preflight/read-cpu-architecture.js';
import { checkArchitecture, checkFeatures, checkNodeVersion, nativeFinding } from './preflight/runtime-checks.js';
import { checkBroker, checkMemory, checkRapl, checkSensors, checkSerial } from './preflight/system-checks.js';
import { resolveRoot } from './sysfs-read.js';

export type { AccessChecker, PreflightCheckId, PreflightFinding, PreflightReport, PreflightStatus } from './preflight/preflight-types.js';

/** Options of {@link runPreflight}. */
export interface PreflightOptions {
  /** Directory laid out like `/` (a fixture tree, a mounted image). Default `/`. */
  root?: string;
  /** An MQTT broker URL to try (`mqtt://host:1883`); no broker check without it. */
  url?: string;
  /** A model bundle directory (or `.tflite` file) whose memory needs are checked against free memory. */
  model?: string;
  /** Memory needed per byte of bundle. Default 3 for float bundles and 5 for int8 ones (measured, see docs/hal-serial-and-doctor.md), plus a fixed 64 MB. */
  memoryFactor?: number;
  /** The board; default `detectBoard({ root })`. */
  board?: DetectedBoard | BoardProfile;
  /** Userland architecture to assume. Default `process.arch` for `/`, else the tree's kernel architecture; pass `arm` to model a 32-bit Node. */
  arch?: string;
  /** Node.js version to judge. Default `process.versions.node`. */
  nodeVersion?: string;
  /** The native-library probe: default {@link probeNativeBackend} in a child process; `false` skips the check; a function replaces it (tests). */
  probeNative?: false | (() => Promise<NativeProbeResult>);
  /** Interpreter threads the native probe uses. Default 1. */
  threads?: number;
  /** How permissions are checked. Default `fs.promises.access`. Tests inject one, because root passes every `access` check. */
  access?: AccessChecker;
  /** Broker connect timeout, ms. Default 3000. */
  mqttTimeoutMs?: number;
}

/**
 * Checks, before anything crashes, that this machine can run tinyedge:
 * Node version; CPU architecture (a 32-bit userland on a 64-bit CPU, a 32-bit
 * CPU) and SIMD features (NEON, dot product, AVX2/AVX-512); that the native
 * TFLite library loads and runs (in a child process, so an "Illegal
 * instruction" cannot kill the caller); free memory against a model's needs;
 * that serial devices and sensors are readable; RAPL access; and, with
 * `url`, that the MQTT broker answers. Each finding says what to do.
 * Nothing throws for what the machine does; only bad options throw.
 *
 * @param options - root, broker URL, model, injectable probes; see {@link PreflightOptions}
 * @returns every finding, and `ok` false when any failed
 * @throws TypeError / RangeError for bad options (e.g. a URL that is not mqtt://)
 * @example
 * ```ts
 * const report = await runPreflight({ url: 'mqtt://127.0.0.1:1883' });
 * for (const f of report.findings) console.log(f.status, f.id, f.message, f.hint);
 * ```
 */
export async function runPreflight(options: PreflightOptions = {}): Promise<PreflightReport> {
  const root = resolveRoot(options.root);
  if (options.url !== undefined) redactBrokerUrl(options.url); // a bad URL is a RangeError before any check runs
  const check = options.access ?? fsAccess;
  const findings: PreflightFinding[] = [];
  const add = (f: PreflightFinding): void => { findings.push(f); };

  add(checkNodeVersion(options.nodeVersion ?? process.versions.node));

  let board: DetectedBoard | null = null;
  if (options.board !== undefined) {
    board = 'profile' in options.board ? options.board : null;
    const profile = 'profile' in options.board ? options.board.profile : options.board;
    add({ id: 'board', status: 'ok', message: `${profile.name} (${profile.id}), given by the caller`, hint: '' });
  } else {
    try {
      board = await detectBoard({ root, ...(options.arch === 'arm' || options.arch === 'arm64' || options.arch === 'x64' ? { arch: options.arch } : {}) });
      add({ id: 'board', status: 'ok', message: `${board.profile.name} (${board.profile.id}), matched by ${board.matchedBy}: ${board.matchDetail}`, hint: '' });
    } catch (err) {
      add({ id: 'board', status: 'warn', message: `no board profile: ${(err as Error).message}`, hint: isTinyEdgeError(err) ? err.hint : 'Check the --root directory.' });
    }
  }
  const profile = options.board === undefined ? board?.profile : 'profile' in options.board ? options.board.profile : options.board;

  const cpu = await readCpuArchitecture({ root, ...(options.arch === undefined ? {} : { arch: options.arch }) });
  add(checkArchitecture(cpu));
  add(checkFeatures(cpu));

  let native: NativeProbeResult | null = null;
  if (options.probeNative !== false) {
    native = options.probeNative ? await options.probeNative() : await probeNativeBackend({ threads: options.threads ?? 1 });
    const f = nativeFinding(native, cpu);
    // The probe runs this Node on this machine, whatever tree --root points at.
    add(root === '/' ? f : { ...f, message: `${f.message} (on this machine, not under ${root})` });
  }

  add(await checkMemory(root, options.model, options.memoryFactor));
  add(await checkSerial(root, check, profile));
  add(await checkSensors(root, check));
  const rapl = await checkRapl(root, check, cpu);
  if (rapl) add(rapl);
  if (options.url !== undefined) add(await checkBroker(options.url, options.mqttTimeoutMs ?? 3000));

  return { ok: findings.every((f) => f.status !== 'fail'), findings, board, cpu, native };
}
