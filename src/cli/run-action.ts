import { Command } from 'commander';
import { TinyEdgeError } from '../errors.js';

/** Exit code for errors the world causes (bad file, missing path, ...): a {@link TinyEdgeError}. */
export const EXIT_FAILURE = 1;
/** Exit code for usage errors: unknown options, missing or invalid arguments. */
export const EXIT_USAGE = 2;

/** The shape `--json` prints for any failure. */
export interface CliErrorJson {
  /** The failure: a {@link TinyEdgeError}'s code, `E_USAGE` for usage errors, `E_INTERNAL` for bugs. */
  error: {
    /** Stable code, e.g. `E_NOT_FOUND`. */
    code: string;
    /** What was expected and what was found. */
    message: string;
    /** What the user can do about it. */
    hint: string;
  };
}

/**
 * Wraps a subcommand's action so that every failure ends the same way:
 * a {@link TinyEdgeError} prints `error E_CODE: message` and `hint: ...` on
 * stderr and sets exit code 1; a `TypeError` or `RangeError` (a bad argument
 * value) does the same with code `E_USAGE` and exit code 2; anything else is
 * a tinyedge bug, `E_INTERNAL`, exit code 1, with its stack when the
 * `TINYEDGE_DEBUG` environment variable is set. When the command was given
 * `--json`, the error is instead printed on stdout as one
 * {@link CliErrorJson} object, so scripts read a single stream.
 *
 * The exit code is set on `process.exitCode` rather than by exiting, so
 * output already written to a pipe is flushed.
 *
 * @param action - the subcommand's action, as commander calls it (arguments, options, the command)
 * @returns an action to pass to commander's `.action()`
 *
 * @example
 * ```ts
 * new Command('inspect').argument('<path>').option('--json')
 *   .action(runAction(async (path: string, options: { json?: boolean }) => { ... }));
 * ```
 */
export function runAction<A extends unknown[]>(action: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A): Promise<void> => {
    try {
      await action(...args);
    } catch (err) {
      const command = [...args].reverse().find((a): a is Command => a instanceof Command);
      const json = command?.optsWithGlobals<{ json?: boolean }>().json === true;
      process.exitCode = printCliError(err, json);
    }
  };
}

/**
 * Prints `err` as the CLI reports failures (see {@link runAction}) and
 * returns the exit code to use.
 *
 * @param err - anything thrown
 * @param json - print a {@link CliErrorJson} object on stdout instead of text on stderr
 * @returns 1 for a {@link TinyEdgeError} or an unexpected error, 2 for a usage error
 *
 * @example
 * ```ts
 * process.exitCode = printCliError(new TinyEdgeError('E_NOT_FOUND', 'No such file: x.tflite', 'Check the path.'), false);
 * ```
 */
export function printCliError(err: unknown, json: boolean): number {
  const { code, message, hint, exitCode } = describe(err);
  if (json) {
    const body: CliErrorJson = { error: { code, message, hint } };
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  } else {
    process.stderr.write(`error ${code}: ${message}\n${hint === '' ? '' : `hint: ${hint}\n`}`);
    if (code === 'E_INTERNAL' && process.env['TINYEDGE_DEBUG'] && err instanceof Error && err.stack) {
      process.stderr.write(`${err.stack}\n`);
    }
  }
  return exitCode;
}

function describe(err: unknown): { code: string; message: string; hint: string; exitCode: number } {
  if (err instanceof TinyEdgeError) return { code: err.code, message: err.message, hint: err.hint, exitCode: EXIT_FAILURE };
  if (err instanceof TypeError || err instanceof RangeError) {
    return { code: 'E_USAGE', message: err.message, hint: 'Run the command with --help to see its arguments.', exitCode: EXIT_USAGE };
  }
  const message = err instanceof Error ? err.message : String(err);
  return {
    code: 'E_INTERNAL',
    message,
    hint: 'This is a bug in tinyedge: please report it with the command you ran (TINYEDGE_DEBUG=1 prints the stack).',
    exitCode: EXIT_FAILURE,
  };
}
