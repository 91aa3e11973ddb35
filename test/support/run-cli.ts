// Running `tinyedge` subcommands from tests: in this process (fast, for most
// cases) or as the real entry point in a child process (exit codes, signals).
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Command } from 'commander';

/** What a command printed and how it exited. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** Runs a subcommand in this process, capturing stdout, stderr and the exit code it set. */
export async function inProcess(create: () => Command, ...args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const { write: writeOut } = process.stdout;
  const { write: writeErr } = process.stderr;
  const previousExitCode = process.exitCode;
  process.exitCode = undefined;
  process.stdout.write = ((chunk: string | Uint8Array) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => err.push(String(chunk)) > 0) as typeof process.stderr.write;
  let code: number;
  try {
    await create().exitOverride().parseAsync(args, { from: 'user' });
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
    code = Number(process.exitCode ?? 0);
    process.exitCode = previousExitCode;
  }
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** Runs the real `tinyedge` entry point (src/cli/main.ts under tsx) in a child process. */
export function tinyedge(...args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', tsx, main, ...args], { encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
    });
  });
}
