import { availableParallelism } from 'node:os';
import { TinyEdgeError } from '../../errors.js';
import type { BoardProfile } from '../board-profile.js';
import type { DetectedBoard } from '../detect.js';
import type { PreflightFinding } from './preflight-types.js';

/** What {@link chooseBackendAndThreads} decided. */
export interface BackendChoice {
  /** The interpreter backend: `native`, or `portable` when the native library cannot run and the caller says a portable backend exists. */
  backend: 'native' | 'portable';
  /** Interpreter threads: the board's recommendation, capped by the cores this machine has; 1 without a board. */
  threads: number;
  /** Why, in one sentence (for logs and `tinyedge doctor`). */
  reason: string;
}

/** Input of {@link chooseBackendAndThreads}. */
export interface BackendChoiceInput {
  /** Findings of `runPreflight`; its `native.tflite` finding decides whether the native backend can be used. Without it the native backend is assumed to work. */
  findings?: readonly PreflightFinding[];
  /** The board (a detected one or a profile); its `inference.threads` is the recommended thread count. */
  board?: DetectedBoard | BoardProfile | null;
  /** Cores available to this process. Default: the detected board's core count, else `os.availableParallelism()`. */
  cores?: number;
  /** False to rule out the portable (WebAssembly) backend (it ships with tinyedge, so the default is true). */
  portableAvailable?: boolean;
}

/**
 * Pick the interpreter backend and thread count the way the runtime should:
 * threads from the board profile's `inference.threads`, never more than the
 * cores this machine has (1 when no board is known, the runtime's default);
 * backend `native` when the preflight did not find the native TFLite
 * library broken; otherwise `portable`, unless `portableAvailable` is false,
 * which makes it an error.
 *
 * @param input - preflight findings, board, cores; see {@link BackendChoiceInput}
 * @returns the backend and threads, and why
 * @throws TinyEdgeError `E_BACKEND_UNAVAILABLE` when the `native.tflite` finding failed and `portableAvailable` is false
 * @throws RangeError for a cores value that is not a positive integer
 * @example
 * ```ts
 * const report = await runPreflight();
 * const { threads } = chooseBackendAndThreads({ findings: report.findings, board: report.board });
 * const model = await loadModel('./bundle', { threads });
 * ```
 */
export function chooseBackendAndThreads(input: BackendChoiceInput = {}): BackendChoice {
  const board = input.board ?? null;
  const profile = board === null ? null : 'profile' in board ? board.profile : board;
  const cores = input.cores ?? (board !== null && 'profile' in board && board.cores > 0 ? board.cores : availableParallelism());
  if (!Number.isInteger(cores) || cores < 1) throw new RangeError(`cores must be a positive integer, found ${String(cores)}`);

  const native = input.findings?.find((f) => f.id === 'native.tflite');
  const wanted = profile?.inference.threads ?? 1;
  const threads = Math.max(1, Math.min(wanted, cores, 64));
  const source = profile === null ? 'no board profile, so the runtime default of 1' : `${profile.id} recommends ${wanted}`;
  const capped = threads < wanted ? `, capped by the ${cores} core${cores === 1 ? '' : 's'} available` : '';
  const counted = `${threads} thread${threads === 1 ? '' : 's'}: ${source}${capped}`;
  if (native?.status === 'fail' && input.portableAvailable !== false) {
    return { backend: 'portable', threads, reason: `${counted}; portable backend, because the native library cannot run here` };
  }
  if (native?.status === 'fail') {
    throw new TinyEdgeError('E_BACKEND_UNAVAILABLE', `the native TFLite backend cannot run here: ${native.message}`,
      `${native.hint} Without it, only the portable (WebAssembly) backend can run models here.`);
  }

  const preference = profile?.inference.backend === 'portable' ? '; the profile prefers the portable backend, but native works here' : '';
  const checked = native === undefined ? ' (native library not checked)' : '';
  return { backend: 'native', threads, reason: `${counted}${preference}${checked}` };
}
