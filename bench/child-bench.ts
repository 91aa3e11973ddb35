/**
 * Runs one standalone bench script (bench/power.ts, bench/telemetry.ts, ...)
 * in a child process with `--json` and hands back the object it printed. The
 * child's stderr (its progress lines) is passed through as it comes, and its
 * tail is kept for the error when the child fails.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** A bench script that exited non-zero or printed no JSON. */
export class ChildBenchError extends Error {
  /** The last lines the child wrote on stderr. */
  readonly stderrTail: string;
  /** The last 16 kB the child wrote on stderr, for recognising its error. */
  readonly stderr: string;

  constructor(message: string, stderr: string) {
    super(message);
    this.name = 'ChildBenchError';
    this.stderr = stderr;
    this.stderrTail = stderr.trim().split('\n').slice(-12).join('\n');
  }
}

/**
 * Run `bench/<script>` through tsx with `args` (which should include
 * `--json`) and parse its stdout: the whole of it as one JSON value, or else
 * its last line.
 */
export function runChildBench(script: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, script), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    const out: Buffer[] = [];
    let tail = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      tail = (tail + chunk.toString('utf8')).slice(-16_000);
    });
    child.on('error', (err) => reject(new ChildBenchError(`${script} could not start: ${err.message}`, tail)));
    child.on('close', (code, signal) => {
      if (code !== 0) {
        reject(new ChildBenchError(`${script} exited with ${signal ?? `code ${code}`}`, tail));
        return;
      }
      const text = Buffer.concat(out).toString('utf8').trim();
      try {
        resolve(JSON.parse(text));
      } catch {
        try {
          resolve(JSON.parse(text.split('\n').pop() ?? ''));
        } catch {
          reject(new ChildBenchError(`${script} printed no JSON on stdout`, tail));
        }
      }
    });
  });
}
