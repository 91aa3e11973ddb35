import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { GraphBuilder } from '../../tflite/graph-builder.js';

/** What {@link probeNativeBackend} found. */
export interface NativeProbeResult {
  /** True when the library loaded and a tiny model ran and gave the right numbers. */
  ok: boolean;
  /**
   * How the probe ended: `ok`; `not-installed` (tfjs-tflite-node cannot be
   * resolved); `load-failed` (the addon or `libtensorflowlite_c` would not
   * load); `wrong-output`; `illegal-instruction` (the child died of SIGILL);
   * `crashed` (another signal or exit); `timeout`.
   */
  outcome: 'ok' | 'not-installed' | 'load-failed' | 'wrong-output' | 'illegal-instruction' | 'crashed' | 'timeout';
  /** One line saying what happened, e.g. the loader's error message. */
  detail: string;
  /** Wall time of the probe, ms (spawning Node included). */
  elapsedMs: number;
}

/** Options of {@link probeNativeBackend}. */
export interface NativeProbeOptions {
  /** Interpreter threads the probe asks for. Default 1. */
  threads?: number;
  /** Kill the child after this many ms. Default 20000 (a Pi Zero 2 W needs several seconds to start Node and load the library). */
  timeoutMs?: number;
  /** The module to load instead of `tfjs-tflite-node` (an absolute path or specifier); for tests of the failure paths. */
  moduleSpecifier?: string;
}

// Runs in the child. Loads the module the same way createNativeRunner does
// (dynamic import, `default ?? module`, `TFLiteNodeModelRunner`), runs the
// model once and prints one JSON line. A SIGILL in here kills only the child.
const CHILD_SCRIPT = `
const [url, threadsText] = process.argv.slice(1);
const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const bytes = Buffer.from(Buffer.concat(chunks).toString('utf8'), 'base64');
const say = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
let mod;
try {
  mod = await import(url);
} catch (err) {
  say({ stage: 'load', message: String(err && err.message || err) });
  process.exit(3);
}
const tflite = mod.default ?? mod;
try {
  const model = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const runner = new tflite.TFLiteNodeModelRunner(model, { threads: Number(threadsText) });
  const input = runner.getInputs()[0].data();
  input.set([1, 2, 3, 4]);
  runner.infer();
  say({ stage: 'ran', output: Array.from(runner.getOutputs()[0].data()) });
} catch (err) {
  say({ stage: 'run', message: String(err && err.message || err) });
  process.exit(4);
}
`;

/** x [1, 4] -> FULLY_CONNECTED with W = 2·I (SIMD kernels) -> ADD 1: y = 2x + 1. */
function probeModel(): { bytes: Uint8Array; expected: number[] } {
  const g = new GraphBuilder('tinyedge doctor probe');
  const x = g.input('x', 'float32', [1, 4]);
  const w = new Float32Array(16);
  for (let i = 0; i < 4; i++) w[i * 4 + i] = 2;
  const weights = g.constant('w', 'float32', [4, 4], w);
  const h = g.tensor('h', 'float32', [1, 4]);
  g.op('FULLY_CONNECTED', [x, weights, null], [h], { type: 'FullyConnectedOptions' });
  const one = g.constant('one', 'float32', [1], new Float32Array([1]));
  const y = g.tensor('y', 'float32', [1, 4]);
  g.op('ADD', [h, one], [y], { type: 'AddOptions' });
  g.output(y);
  return { bytes: g.finish(), expected: [3, 5, 7, 9] };
}

function resolveModule(specifier: string): string | null {
  if (specifier.startsWith('file:')) return specifier;
  try {
    return pathToFileURL(createRequire(import.meta.url).resolve(specifier)).href;
  } catch {
    return null;
  }
}

/**
 * Check, in a child Node process, that the native TFLite library
 * (tfjs-tflite-node and its `libtensorflowlite_c`) loads on this machine and
 * runs a tiny model (a fully connected layer and an add) correctly. Running
 * it in a child means an "Illegal instruction" (a library built for a newer
 * CPU) or a failed `dlopen` cannot take the caller down: it comes back as an
 * `outcome`. Never throws for anything the machine does.
 *
 * @param options - threads, timeout; see {@link NativeProbeOptions}
 * @returns what happened; `ok` is true only when the output was right
 * @throws RangeError for threads outside [1, 64] or a non-positive timeout
 * @example
 * ```ts
 * const probe = await probeNativeBackend();
 * if (!probe.ok) console.error(probe.outcome, probe.detail);
 * ```
 */
export async function probeNativeBackend(options: NativeProbeOptions = {}): Promise<NativeProbeResult> {
  const threads = options.threads ?? 1;
  const timeoutMs = options.timeoutMs ?? 20_000;
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) throw new RangeError(`threads must be an integer in [1, 64], found ${String(threads)}`);
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, found ${String(timeoutMs)}`);
  const t0 = performance.now();
  const elapsed = (): number => Math.round(performance.now() - t0);
  const specifier = options.moduleSpecifier ?? 'tfjs-tflite-node';
  const url = resolveModule(specifier);
  if (url === null) {
    return { ok: false, outcome: 'not-installed', detail: `cannot resolve ${specifier} from tinyedge's installation`, elapsedMs: elapsed() };
  }
  const { bytes, expected } = probeModel();
  return await new Promise<NativeProbeResult>((resolvePromise) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD_SCRIPT, url, String(threads)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr = (stderr + d).slice(-4000); });
    child.stdin.on('error', () => undefined); // the child may die before reading
    child.stdin.end(Buffer.from(bytes).toString('base64'));
    const finish = (r: Omit<NativeProbeResult, 'elapsedMs'>): void => {
      clearTimeout(timer);
      resolvePromise({ ...r, elapsedMs: elapsed() });
    };
    child.on('error', (err) => finish({ ok: false, outcome: 'crashed', detail: `could not start ${process.execPath}: ${err.message}` }));
    child.on('close', (code, signal) => {
      if (timedOut) return finish({ ok: false, outcome: 'timeout', detail: `no answer within ${timeoutMs} ms` });
      if (signal === 'SIGILL') {
        return finish({ ok: false, outcome: 'illegal-instruction', detail: 'the child process died of SIGILL (Illegal instruction) while loading or running TFLite' });
      }
      if (signal !== null) return finish({ ok: false, outcome: 'crashed', detail: `the child process died of ${signal}${lastLine(stderr)}` });
      const message = parseLastJson(stdout);
      if (code === 0 && message?.stage === 'ran' && Array.isArray(message.output)) {
        const out = message.output as number[];
        const right = out.length === expected.length && out.every((v, i) => Math.abs(v - (expected[i] ?? NaN)) < 1e-5);
        return finish(right
          ? { ok: true, outcome: 'ok', detail: `ran a test model with ${threads} thread${threads === 1 ? '' : 's'}` }
          : { ok: false, outcome: 'wrong-output', detail: `expected [${expected.join(', ')}], got [${out.join(', ')}]` });
      }
      if (message?.stage === 'load') return finish({ ok: false, outcome: 'load-failed', detail: String(message.message) });
      if (message?.stage === 'run') return finish({ ok: false, outcome: 'load-failed', detail: `the library loaded but could not run a model: ${String(message.message)}` });
      return finish({ ok: false, outcome: 'crashed', detail: `the child process exited with code ${String(code)}${lastLine(stderr)}` });
    });
  });
}

function parseLastJson(text: string): Record<string, unknown> | null {
  const line = text.trim().split('\n').at(-1);
  if (line === undefined || line === '') return null;
  try {
    const v: unknown = JSON.parse(line);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function lastLine(stderr: string): string {
  const line = stderr.trim().split('\n').filter((l) => l.trim() !== '').at(-1);
  return line === undefined ? '' : `: ${line.trim()}`;
}
