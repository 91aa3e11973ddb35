import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorJson } from '../src/cli/doctor-command.js';
import { checkMqttBroker } from '../src/hal/preflight/check-mqtt-broker.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/preflight/${name}`, import.meta.url));

interface Run { code: number; stdout: string; stderr: string }

/** Runs the CLI from source as users of `npm run tinyedge` do. */
function tinyedge(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, stdout, stderr });
      });
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitForPort(port: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A real Mosquitto on a free loopback port, with the given extra config lines. */
async function startMosquitto(dir: string, name: string, lines: string[]): Promise<{ port: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const conf = join(dir, `${name}.conf`);
  await writeFile(conf, [`listener ${port} 127.0.0.1`, ...lines, ''].join('\n'));
  const proc: ChildProcess = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  await waitForPort(port);
  return { port, stop: async () => { proc.kill('SIGTERM'); await exited; } };
}

let dir = '';
let open: { port: number; stop: () => Promise<void> };
let locked: { port: number; stop: () => Promise<void> };
let silent: Server;
let silentPort = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tinyedge-doctor-'));
  open = await startMosquitto(dir, 'open', ['allow_anonymous true']);
  locked = await startMosquitto(dir, 'locked', ['allow_anonymous false']);
  // Accepts TCP connections and never answers: a broker that hangs.
  silent = createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentPort = (silent.address() as AddressInfo).port;
});

afterAll(async () => {
  await open?.stop();
  await locked?.stop();
  silent?.close();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('checkMqttBroker against real brokers on loopback', () => {
  it('a running Mosquitto answers', async () => {
    const r = await checkMqttBroker(`mqtt://127.0.0.1:${open.port}`, 3000);
    expect(r).toMatchObject({ ok: true, outcome: 'connected', url: `mqtt://127.0.0.1:${open.port}` });
  });

  it('a broker that refuses anonymous clients is "rejected", and credentials never show in the result', async () => {
    const r = await checkMqttBroker(`mqtt://alice:s3cret@127.0.0.1:${locked.port}`, 3000);
    expect(r).toMatchObject({ ok: false, outcome: 'rejected' });
    expect(r.detail).toMatch(/Not authorized/);
    expect(JSON.stringify(r)).not.toContain('s3cret');
    expect(JSON.stringify(r)).not.toContain('alice');
  });

  it('a closed port is "refused"; a server that never answers is "timeout"', async () => {
    const closed = await freePort();
    expect((await checkMqttBroker(`mqtt://127.0.0.1:${closed}`, 2000)).outcome).toBe('refused');
    expect((await checkMqttBroker(`mqtt://127.0.0.1:${silentPort}`, 300)).outcome).toBe('timeout');
  });

  it('a URL that is not mqtt:// is a RangeError', async () => {
    await expect(checkMqttBroker('http://127.0.0.1:1883')).rejects.toBeInstanceOf(RangeError);
    await expect(checkMqttBroker('not a url')).rejects.toBeInstanceOf(RangeError);
  });
});

describe('tinyedge doctor', () => {
  it('--json on this machine with a live broker: every check, the broker ok, and the runtime choice', async () => {
    const run = await tinyedge('doctor', '--json', '--url', `mqtt://127.0.0.1:${open.port}`);
    const body = JSON.parse(run.stdout) as DoctorJson;
    const ids = body.findings.map((f) => f.id);
    expect(ids).toEqual(expect.arrayContaining(['node.version', 'board', 'cpu.arch', 'cpu.features', 'native.tflite', 'memory', 'serial.permissions', 'sensors.permissions', 'mqtt.broker']));
    expect(body.findings.find((f) => f.id === 'mqtt.broker')?.status).toBe('ok');
    expect(body.findings.find((f) => f.id === 'native.tflite')?.status).toBe('ok');
    expect(body.cpu.userland).toBe(process.arch);
    expect(body.choice?.backend).toBe('native');
    expect(body.choice?.threads).toBeGreaterThanOrEqual(1);
    for (const f of body.findings) {
      expect(['ok', 'warn', 'fail']).toContain(f.status);
      if (f.status !== 'ok') expect(f.hint.length).toBeGreaterThan(0);
    }
    expect(run.code).toBe(body.ok ? 0 : 1);
  });

  it('a broker that is down makes doctor fail with exit code 1 and a hint', async () => {
    const closed = await freePort();
    const run = await tinyedge('doctor', '--no-native', '--root', fixture('x64-rapl'), '--url', `mqtt://127.0.0.1:${closed}`);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL\s+mqtt\.broker\s+nothing is listening/);
    expect(run.stdout).toMatch(/hint: Start the broker/);
    expect(run.stdout).toMatch(/\d+ ok, \d+ warn, 1 fail/);
  });

  it('--root on a fixture tree reads that tree (board, CPU flags) and exits 0 with warnings only', async () => {
    const run = await tinyedge('doctor', '--no-native', '--root', fixture('x64-no-avx2'));
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/warn\s+cpu\.features\s+no AVX2/);
    expect(run.stdout).toMatch(/ok\s+board\s+Generic Linux x64|ok\s+board\s+.*generic-linux-x64/);
    expect(run.stdout).toMatch(/runtime: native backend/);
  });

  it('--arch arm on a 64-bit Pi 4 tree: the 32-bit userland warning in --json', async () => {
    const run = await tinyedge('doctor', '--json', '--no-native', '--root', fixture('armv7-on-aarch64'), '--arch', 'arm');
    expect(run.code).toBe(0);
    const body = JSON.parse(run.stdout) as DoctorJson;
    expect(body.board).toEqual({ id: 'raspberry-pi-4-b', name: 'Raspberry Pi 4 Model B', matchedBy: 'pi-revision' });
    expect(body.findings.find((f) => f.id === 'cpu.arch')).toMatchObject({ status: 'warn', message: expect.stringContaining('32-bit userland') });
    expect(body.choice).toMatchObject({ backend: 'native', threads: 4 });
  });

  it('a bad --url or --arch is a usage error (exit 2, E_USAGE in --json)', async () => {
    const arch = await tinyedge('doctor', '--no-native', '--arch', 'mips');
    expect(arch.code).toBe(2);
    expect(arch.stderr).toMatch(/error E_USAGE: --arch must be arm64, arm or x64/);
    const run = await tinyedge('doctor', '--json', '--no-native', '--url', 'http://x');
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: 'E_USAGE' } });
  });

  it('--help names the options', async () => {
    const run = await tinyedge('doctor', '--help');
    expect(run.code).toBe(0);
    for (const opt of ['--root', '--arch', '--url', '--model', '--no-native', '--json']) expect(run.stdout).toContain(opt);
  });
});
