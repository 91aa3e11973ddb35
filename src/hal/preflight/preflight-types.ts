// The shapes shared by runPreflight and its checks.
import type { DetectedBoard } from '../detect.js';
import type { NativeProbeResult } from './probe-native-backend.js';
import type { CpuArchitecture } from './read-cpu-architecture.js';

/** How a check went: `ok`, `warn` (works, but something is worth knowing or fixing), `fail` (tinyedge will not work as asked). */
export type PreflightStatus = 'ok' | 'warn' | 'fail';

/** The checks `runPreflight` runs, by id. */
export type PreflightCheckId =
  | 'node.version'
  | 'board'
  | 'cpu.arch'
  | 'cpu.features'
  | 'native.tflite'
  | 'memory'
  | 'serial.permissions'
  | 'sensors.permissions'
  | 'rapl'
  | 'mqtt.broker';

/** One result of a check. */
export interface PreflightFinding {
  /** Which check. */
  id: PreflightCheckId;
  /** How it went. */
  status: PreflightStatus;
  /** What was found, one sentence. */
  message: string;
  /** What to do about it; `''` when nothing needs doing. */
  hint: string;
}

/** What `runPreflight` returns. */
export interface PreflightReport {
  /** False when any finding failed. */
  ok: boolean;
  /** The findings, in the order the checks ran. */
  findings: PreflightFinding[];
  /** The detected board, or null when detection failed (see the `board` finding). */
  board: DetectedBoard | null;
  /** The CPU as `/proc/cpuinfo` and `process.arch` describe it. */
  cpu: CpuArchitecture;
  /** The native TFLite probe, or null when it was skipped. */
  native: NativeProbeResult | null;
}

/** Checks a path's accessibility like `fs.promises.access`: resolves, or rejects with an errno error (`EACCES`). */
export type AccessChecker = (path: string, mode: number) => Promise<void>;
