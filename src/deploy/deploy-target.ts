import { spawn } from 'node:child_process';
import { cp, mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { TinyEdgeError } from '../errors.js';
import { listTree } from './runtime-packages.js';

/** What a command run on the target printed, and how it ended. */
export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Where releases go: a directory on this machine or on a board over ssh.
 * Both run the same POSIX shell commands, so the deploy logic is one.
 */
export interface DeployTarget {
  /** For messages: the path or `ssh://user@host:port/path`. */
  readonly description: string;
  /** Runs a shell command in the target's base directory (created if missing). */
  exec(command: string, options?: { timeoutMs?: number }): Promise<ExecResult>;
  /** Copies a local directory to `<base>/<remoteDir>`, reporting bytes done of bytes total. */
  upload(localDir: string, remoteDir: string, onProgress?: (done: number, total: number) => void): Promise<void>;
}

/** Quotes a string for a POSIX shell. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Options for ssh targets. */
export interface SshTargetOptions {
  /** Extra `ssh` arguments, e.g. `['-i', 'key', '-o', 'UserKnownHostsFile=known_hosts']`. */
  sshArgs?: string[];
}

/**
 * Parses `--target`: a directory path, or `ssh://user@host[:port]/path`.
 *
 * @throws RangeError for an ssh URL without a user, host or path
 */
export function parseTarget(spec: string, options: SshTargetOptions = {}): DeployTarget {
  if (!spec.startsWith('ssh://')) return new DirectoryTarget(resolve(spec));
  const url = new URL(spec);
  if (url.username === '' || url.hostname === '' || url.pathname === '' || url.pathname === '/') {
    throw new RangeError(`an ssh target needs a user, a host and a path: ssh://user@host[:port]/path, got ${spec}`);
  }
  return new SshTarget(decodeURIComponent(url.username), url.hostname, url.port === '' ? 22 : Number(url.port), decodeURIComponent(url.pathname), options);
}

function run(command: string, args: string[], options: { cwd?: string; timeoutMs?: number; stdin?: NodeJS.ReadableStream }): Promise<ExecResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    if (options.stdin) options.stdin.pipe(child.stdin!);
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      reject(new TinyEdgeError('E_DEPLOY', `cannot run ${command}: ${err.message}`, `Install ${command} on this machine.`, { cause: err }));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolvePromise({ code: code ?? (signal ? 128 : 1), stdout, stderr: signal ? `${stderr}killed by ${signal}` : stderr });
    });
  });
}

/** A release directory on this machine. */
export class DirectoryTarget implements DeployTarget {
  readonly description: string;
  constructor(readonly base: string) {
    this.description = base;
  }

  async exec(command: string, options: { timeoutMs?: number } = {}): Promise<ExecResult> {
    await mkdir(this.base, { recursive: true });
    return run('sh', ['-c', command], { cwd: this.base, ...options });
  }

  async upload(localDir: string, remoteDir: string, onProgress?: (done: number, total: number) => void): Promise<void> {
    // One top-level entry at a time: node_modules is most of the bytes, so progress moves in a few steps.
    const { total, bytesUnder } = await treeBytes(localDir);
    let done = 0;
    await mkdir(join(this.base, remoteDir), { recursive: true });
    for (const entry of bytesUnder.keys()) {
      await cp(join(localDir, entry), join(this.base, remoteDir, entry), { recursive: true, preserveTimestamps: true });
      done += bytesUnder.get(entry) ?? 0;
      onProgress?.(done, total);
    }
  }
}

/** A release directory on a board, over `ssh` (the system's OpenSSH client). */
export class SshTarget implements DeployTarget {
  readonly description: string;
  readonly #args: string[];
  constructor(
    readonly user: string,
    readonly host: string,
    readonly port: number,
    readonly base: string,
    options: SshTargetOptions = {},
  ) {
    this.description = `ssh://${user}@${host}:${port}${base}`;
    this.#args = ['-p', String(port), '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', ...(options.sshArgs ?? []), `${user}@${host}`];
  }

  async exec(command: string, options: { timeoutMs?: number } = {}): Promise<ExecResult> {
    const result = await run('ssh', [...this.#args, `mkdir -p ${shellQuote(this.base)} && cd ${shellQuote(this.base)} && ${command}`], options);
    if (result.code === 255) {
      throw new TinyEdgeError('E_DEPLOY', `ssh to ${this.description} failed: ${result.stderr.trim()}`, 'Check the host, port, user and key (ssh must log in without a password prompt).');
    }
    return result;
  }

  async upload(localDir: string, remoteDir: string, onProgress?: (done: number, total: number) => void): Promise<void> {
    const { total } = await treeBytes(localDir);
    const tar = spawn('tar', ['-C', localDir, '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let done = 0;
    tar.stdout.on('data', (chunk: Buffer) => {
      done = Math.min(total, done + chunk.length);
      onProgress?.(done, total);
    });
    const target = `${this.base}/${remoteDir}`;
    const result = await run('ssh', [...this.#args, `mkdir -p ${shellQuote(target)} && tar -xf - -C ${shellQuote(target)}`], { stdin: tar.stdout });
    if (result.code !== 0) {
      throw new TinyEdgeError('E_DEPLOY', `copying to ${this.description} failed: ${result.stderr.trim()}`, 'Check free space and permissions on the target.');
    }
    onProgress?.(total, total);
  }
}

/** Bytes of every file under `dir`, in all and by top-level entry. */
async function treeBytes(dir: string): Promise<{ total: number; bytesUnder: Map<string, number> }> {
  const files = await listTree(dir);
  const sizes = await Promise.all(files.map(async (f) => (await stat(join(dir, f))).size));
  const bytesUnder = new Map<string, number>();
  files.forEach((f, i) => bytesUnder.set(f.split('/')[0]!, (bytesUnder.get(f.split('/')[0]!) ?? 0) + sizes[i]!));
  return { total: sizes.reduce((a, b) => a + b, 0), bytesUnder };
}
