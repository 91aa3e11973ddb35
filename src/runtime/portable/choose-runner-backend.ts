import { isTinyEdgeError } from '../../errors.js';
import { createNativeRunner } from '../create-native-runner.js';
import type { ModelRunner } from '../runner.js';

/**
 * Which interpreter backend to ask for: `native` (tfjs-tflite-node's
 * TensorFlow Lite library), `portable` (tinyedge's own graph executor on
 * tfjs's WebAssembly backend, for machines without the native library:
 * 32-bit Raspberry Pi OS, macOS x64, ...), or `auto` (native when its library
 * loads here, portable otherwise).
 */
export type BackendOption = 'native' | 'portable' | 'auto';

/** The backend that actually runs a model: `fake` for `tinyedge/testing`'s fake runner. */
export type InferenceBackend = 'native' | 'portable' | 'fake';

/** The environment variable that sets the default {@link BackendOption} of `loadModel`. */
export const BACKEND_ENV = 'TINYEDGE_BACKEND';

const OPTIONS: readonly BackendOption[] = ['native', 'portable', 'auto'];

/**
 * Platforms tfjs-tflite-node ships its native library for. Elsewhere `auto`
 * goes straight to the portable backend instead of trying to load it.
 */
const NATIVE_PLATFORMS: ReadonlySet<string> = new Set(['linux/x64', 'linux/arm64', 'darwin/arm64', 'win32/x64']);

/**
 * Check a backend option: `value` when given, else the `TINYEDGE_BACKEND`
 * environment variable, else `auto`.
 *
 * @throws TypeError naming the option (or the variable) when it is not `native`, `portable` or `auto`
 */
export function resolveBackendOption(value: unknown, env: Readonly<Record<string, string | undefined>> = process.env): BackendOption {
  if (value !== undefined) {
    if (!OPTIONS.includes(value as BackendOption)) throw new TypeError(`backend must be 'native', 'portable' or 'auto', found ${JSON.stringify(value)}`);
    return value as BackendOption;
  }
  const fromEnv = env[BACKEND_ENV];
  if (fromEnv === undefined || fromEnv === '') return 'auto';
  if (!OPTIONS.includes(fromEnv as BackendOption)) {
    throw new TypeError(`the ${BACKEND_ENV} environment variable must be native, portable or auto, found ${JSON.stringify(fromEnv)}`);
  }
  return fromEnv as BackendOption;
}

/** True when tfjs-tflite-node ships a native library for this platform and CPU. */
export function nativePlatformSupported(platform: string = process.platform, arch: string = process.arch): boolean {
  return NATIVE_PLATFORMS.has(`${platform}/${arch}`);
}

/** A runner and the backend that made it. */
export interface ChosenRunner {
  runner: ModelRunner;
  backend: 'native' | 'portable';
}

/**
 * Create an interpreter on the backend asked for. `auto` tries the native
 * library where it is shipped, and falls back to the portable backend when it
 * cannot be loaded (`E_BACKEND_UNAVAILABLE`); a model the native backend
 * rejects is an error, not a reason to switch. Runs in the inference worker:
 * the native addon must only ever load on that thread.
 *
 * @throws TinyEdgeError as `createNativeRunner` / `createPortableRunner`
 */
export async function createRunnerOn(backend: BackendOption, model: Uint8Array, threads: number): Promise<ChosenRunner> {
  if (backend === 'native' || (backend === 'auto' && nativePlatformSupported())) {
    try {
      return { runner: await createNativeRunner(model, { threads }), backend: 'native' };
    } catch (err) {
      if (backend === 'native' || !isTinyEdgeError(err, 'E_BACKEND_UNAVAILABLE')) throw err;
    }
  }
  // Loaded only when used, so a native-only process never loads tfjs.
  const { createPortableRunner } = await import('./create-portable-runner.js');
  return { runner: await createPortableRunner(model, { threads }), backend: 'portable' };
}
