import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTinyEdgeError } from '../src/errors.js';
import { getBoard } from '../src/hal/boards.js';
import { detectBoard } from '../src/hal/detect.js';
import { loadModel } from '../src/runtime/load-model.js';
import { chooseBackendAndThreads } from '../src/hal/preflight/choose-backend-and-threads.js';
import { probeNativeBackend, type NativeProbeResult } from '../src/hal/preflight/probe-native-backend.js';
import { readCpuArchitecture } from '../src/hal/preflight/read-cpu-architecture.js';
import { runPreflight, type AccessChecker, type PreflightFinding, type PreflightReport } from '../src/hal/preflight.js';
import { createTinyLlamaBundle } from '../src/testing/index.js';

const fixtures = fileURLToPath(new URL('./fixtures/preflight', import.meta.url));
const fx = (name: string): string => join(fixtures, name);
const moduleUrl = (name: string): string => pathToFileURL(join(fixtures, 'native-modules', name)).href;

const probeOk = async (): Promise<NativeProbeResult> => ({ ok: true, outcome: 'ok', detail: 'ran a test model with 1 thread', elapsedMs: 1 });
const probeLoadFailed = async (): Promise<NativeProbeResult> => ({ ok: false, outcome: 'load-failed', detail: 'Cannot find module node_tflite_binding.node', elapsedMs: 1 });

/** An access checker that denies the given device paths (relative to the root) with EACCES, as a non-root user would see. */
function denying(root: string, ...devicePaths: string[]): AccessChecker {
  const denied = new Set(devicePaths.map((p) => join(root, p)));
  return async (path) => {
    if (denied.has(path)) throw Object.assign(new Error(`EACCES: permission denied, access '${path}'`), { code: 'EACCES' });
  };
}
const allow: AccessChecker = async () => undefined;
const finding = (r: PreflightReport, id: PreflightFinding['id']): PreflightFinding | undefined => r.findings.find((f) => f.id === id);

describe('readCpuArchitecture', () => {
  it('32-bit Node on the 64-bit kernel of a Pi 4: kernel from proc/sys/kernel/arch, Cortex-A72, NEON, no dot product', async () => {
    const cpu = await readCpuArchitecture({ root: fx('armv7-on-aarch64'), arch: 'arm' });
    expect(cpu).toMatchObject({ userland: 'arm', kernel: 'aarch64', kernelFrom: 'proc/sys/kernel/arch', cpuIsa: 'armv8', cpuModel: 'Cortex-A72', cores: 4 });
    expect(cpu.simd).toEqual({ neon: true, dotProduct: false, avx2: false, avx512: false });
  });

  it('under the linux32 personality (AArch32 feature names), the kernel is still recognised as aarch64 from "CPU architecture: 8"', async () => {
    const cpu = await readCpuArchitecture({ root: fx('armv7-on-aarch64-linux32'), arch: 'arm' });
    expect(cpu).toMatchObject({ kernel: 'aarch64', kernelFrom: 'proc/cpuinfo', cpuIsa: 'armv8', cores: 4 });
    expect(cpu.features).toContain('neon');
    expect(cpu.simd.neon).toBe(true);
  });

  it('a Cortex-A8 with a 32-bit kernel is armv7 through and through', async () => {
    const cpu = await readCpuArchitecture({ root: fx('armv7-cortex-a8'), arch: 'arm' });
    expect(cpu).toMatchObject({ kernel: 'armv7l', cpuIsa: 'armv7', cpuModel: 'Cortex-A8', cores: 1 });
    expect(cpu.simd.neon).toBe(true);
  });

  it('x86: AVX2 from flags, kernel x86_64 from the lm flag', async () => {
    const cpu = await readCpuArchitecture({ root: fx('x64-rapl'), arch: 'x64' });
    expect(cpu).toMatchObject({ kernel: 'x86_64', kernelFrom: 'proc/cpuinfo', cpuIsa: 'x86_64', cores: 2 });
    expect(cpu.simd).toEqual({ neon: false, dotProduct: false, avx2: true, avx512: false });
  });

  it('this machine: process.arch, and the flags /proc/cpuinfo lists', async () => {
    const cpu = await readCpuArchitecture();
    expect(cpu.userland).toBe(process.arch);
    expect(cpu.cores).toBeGreaterThan(0);
    const flags = /^(?:flags|Features)\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.split(/\s+/) ?? [];
    expect(cpu.simd.avx2).toBe(flags.includes('avx2'));
    expect(cpu.simd.neon).toBe(flags.includes('asimd') || flags.includes('neon'));
  });

  it('for a tree that is not this machine, the userland defaults to the tree\'s kernel architecture', async () => {
    expect((await readCpuArchitecture({ root: fx('armv7-on-aarch64') })).userland).toBe('arm64');
    expect((await readCpuArchitecture({ root: fx('armv7-cortex-a8') })).userland).toBe('arm');
    expect((await readCpuArchitecture({ root: fx('x64-rapl') })).userland).toBe('x64');
  });

  it('a root without proc/ gives unknowns, not an error', async () => {
    const cpu = await readCpuArchitecture({ root: fx('no-such-root'), arch: 'arm64' });
    expect(cpu).toMatchObject({ kernel: null, kernelFrom: 'unknown', cpuIsa: 'unknown', cores: 0, features: [] });
  });
});

describe('probeNativeBackend (child process)', () => {
  it('loads tfjs-tflite-node on this machine and gets y = 2x + 1 right', async () => {
    const probe = await probeNativeBackend({ threads: 2 });
    expect(probe).toMatchObject({ ok: true, outcome: 'ok' });
    expect(probe.detail).toContain('2 threads');
  });

  it('an "Illegal instruction" kills only the child and comes back as an outcome', async () => {
    const probe = await probeNativeBackend({ moduleSpecifier: moduleUrl('sigill.mjs') });
    expect(probe).toMatchObject({ ok: false, outcome: 'illegal-instruction' });
  });

  it('a library that cannot be loaded is load-failed with the loader\'s message', async () => {
    const probe = await probeNativeBackend({ moduleSpecifier: moduleUrl('dlopen-fails.mjs') });
    expect(probe.outcome).toBe('load-failed');
    expect(probe.detail).toContain('libtensorflowlite_c.so: cannot open shared object file');
  });

  it('wrong numbers are caught; a module that is not installed is not-installed', async () => {
    expect((await probeNativeBackend({ moduleSpecifier: moduleUrl('wrong-output.mjs') })).outcome).toBe('wrong-output');
    expect((await probeNativeBackend({ moduleSpecifier: 'tinyedge-no-such-module' })).outcome).toBe('not-installed');
  });

  it('bad options are RangeErrors', async () => {
    await expect(probeNativeBackend({ threads: 0 })).rejects.toBeInstanceOf(RangeError);
    await expect(probeNativeBackend({ timeoutMs: 0 })).rejects.toBeInstanceOf(RangeError);
  });
});

describe('runPreflight on fixture trees', () => {
  it('32-bit userland on a 64-bit Pi 4: warns with the 64-bit OS hint, and the native library failing to load is a fail', async () => {
    const root = fx('armv7-on-aarch64');
    const report = await runPreflight({ root, arch: 'arm', probeNative: probeLoadFailed, access: allow });
    expect(finding(report, 'board')?.message).toContain('raspberry-pi-4-b');
    expect(finding(report, 'cpu.arch')).toMatchObject({ status: 'warn', message: expect.stringContaining('32-bit userland') });
    expect(finding(report, 'cpu.arch')?.hint).toMatch(/64-bit OS/);
    expect(finding(report, 'cpu.features')).toMatchObject({ status: 'ok', message: expect.stringContaining('no dot-product') });
    const native = finding(report, 'native.tflite');
    expect(native?.status).toBe('fail');
    expect(native?.hint).toContain('linux arm64 and x64');
    expect(report.ok).toBe(false);
    expect(finding(report, 'rapl')).toBeUndefined(); // no RAPL check on ARM
    // /dev/serial0 (named by the Pi 4 profile) is an alias of ttyAMA0: one port, not two.
    expect(finding(report, 'serial.permissions')).toMatchObject({ status: 'ok', message: '1 serial port(s), readable and writable: /dev/ttyAMA0 (listed via sysfs)' });
    expect(finding(report, 'sensors.permissions')).toMatchObject({ status: 'ok', message: '2 sensor file(s), all readable' });

    let thrown: unknown;
    try {
      chooseBackendAndThreads({ findings: report.findings, board: report.board, portableAvailable: false });
    } catch (err) {
      thrown = err;
    }
    expect(isTinyEdgeError(thrown, 'E_BACKEND_UNAVAILABLE')).toBe(true);
    expect((thrown as { hint: string }).hint).toMatch(/portable/);
    // The portable backend ships with tinyedge, so by default it is chosen instead, with the board's threads.
    expect(chooseBackendAndThreads({ findings: report.findings, board: report.board }))
      .toMatchObject({ backend: 'portable', threads: 4, reason: expect.stringContaining('native library cannot run here') });
  });

  it('the same board with 64-bit Node and a working library: no failures, and 4 threads for the Pi 4', async () => {
    const report = await runPreflight({ root: fx('armv7-on-aarch64'), arch: 'arm64', probeNative: probeOk, access: allow });
    expect(finding(report, 'cpu.arch')).toMatchObject({ status: 'ok', message: expect.stringMatching(/^arm64 \(kernel aarch64, Cortex-A72\)/) });
    expect(report.ok).toBe(true);
    expect(chooseBackendAndThreads({ findings: report.findings, board: report.board })).toMatchObject({ backend: 'native', threads: 4 });
  });

  it('serial devices and sensors this user cannot open are warnings that say what to do', async () => {
    const root = fx('armv7-on-aarch64');
    const report = await runPreflight({
      root, arch: 'arm64', probeNative: false,
      access: denying(root, '/dev/ttyAMA0', '/sys/class/thermal/thermal_zone0/temp'),
    });
    const serial = finding(report, 'serial.permissions');
    expect(serial).toMatchObject({ status: 'warn', message: expect.stringContaining('/dev/ttyAMA0') });
    expect(serial?.hint).toContain('dialout');
    const sensors = finding(report, 'sensors.permissions');
    expect(sensors).toMatchObject({ status: 'warn', message: expect.stringContaining('1 of 2 sensor files') });
    expect(finding(report, 'native.tflite')).toBeUndefined();
    expect(report.ok).toBe(true); // warnings only
  });

  it('RAPL readable: ok with the top-level zone only; EACCES (simulated through the access checker): a warning with the root/udev hint', async () => {
    const root = fx('x64-rapl');
    const readable = await runPreflight({ root, arch: 'x64', probeNative: false, access: allow });
    expect(finding(readable, 'rapl')).toMatchObject({ status: 'ok', message: '1 RAPL zone(s) readable: intel-rapl:0' });
    expect(finding(readable, 'cpu.features')).toMatchObject({ status: 'ok', message: 'x86 SIMD: AVX2' });

    const denied = await runPreflight({ root, arch: 'x64', probeNative: false, access: denying(root, '/sys/class/powercap/intel-rapl:0/energy_uj') });
    const rapl = finding(denied, 'rapl');
    expect(rapl?.status).toBe('warn');
    expect(rapl?.message).toContain('EACCES');
    expect(rapl?.hint).toMatch(/root/);
    expect(rapl?.hint).toMatch(/udev rule/);
    expect(denied.ok).toBe(true);
  });

  // Root passes every permission check whatever the mode bits say, so a real
  // chmod 000 proves nothing when the tests run as root (as CI does): skipped there.
  it.skipIf(process.getuid?.() === 0)('RAPL with a real chmod 000 energy_uj (not as root): the same EACCES warning', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tinyedge-rapl-'));
    try {
      await cp(fx('x64-rapl'), dir, { recursive: true, verbatimSymlinks: true });
      await chmod(join(dir, 'sys/devices/virtual/powercap/intel-rapl/intel-rapl:0/energy_uj'), 0o000);
      const report = await runPreflight({ root: dir, arch: 'x64', probeNative: false });
      expect(finding(report, 'rapl')).toMatchObject({ status: 'warn', message: expect.stringContaining('EACCES') });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('x86 without AVX2 or RAPL, with little memory: warnings for each', async () => {
    const report = await runPreflight({ root: fx('x64-no-avx2'), arch: 'x64', probeNative: false, access: allow });
    expect(finding(report, 'cpu.features')).toMatchObject({ status: 'warn', message: expect.stringContaining('no AVX2') });
    expect(finding(report, 'rapl')).toMatchObject({ status: 'warn', message: expect.stringContaining('no RAPL') });
    expect(finding(report, 'memory')).toMatchObject({ status: 'warn', message: '88 MB available of 998 MB: very little for a model' });
  });

  it('a 32-bit Cortex-A8: the CPU itself is 32-bit, so the hint is about the planned portable backend', async () => {
    const report = await runPreflight({ root: fx('armv7-cortex-a8'), arch: 'arm', probeNative: false, access: allow });
    const arch = finding(report, 'cpu.arch');
    expect(arch).toMatchObject({ status: 'warn', message: expect.stringContaining('32-bit ARM CPU (armv7, Cortex-A8') });
    expect(arch?.hint).toMatch(/portable/);
  });

  it('Node older than 20 fails; an mqtt URL that is not one is a RangeError before anything runs', async () => {
    const report = await runPreflight({ root: fx('x64-rapl'), arch: 'x64', nodeVersion: '18.19.1', probeNative: false, access: allow });
    expect(finding(report, 'node.version')).toMatchObject({ status: 'fail', message: 'Node.js 18.19.1; tinyedge needs 20 or newer' });
    expect(report.ok).toBe(false);
    let probed = false;
    await expect(runPreflight({ url: 'http://broker.local', probeNative: async () => { probed = true; return probeOk(); } })).rejects.toBeInstanceOf(RangeError);
    expect(probed).toBe(false);
  });
});

describe('runPreflight on every board fixture tree (test/fixtures/boards, from the HAL)', () => {
  const boardsDir = fileURLToPath(new URL('./fixtures/boards', import.meta.url));
  const ids = existsSync(boardsDir) ? readdirSync(boardsDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name) : [];

  it('there are board trees to check', () => {
    expect(ids.length).toBeGreaterThanOrEqual(12);
  });

  it.each(ids)('%s: userland matches the profile, dot product only on ARMv8.2 cores, no failures', async (id) => {
    const root = join(boardsDir, id);
    const profile = await getBoard(id);
    const report = await runPreflight({ root, probeNative: false, access: allow });
    expect(report.board?.profile.id).toBe(id);
    expect(report.cpu.userland).toBe(profile.arch);
    expect(report.cpu.simd.dotProduct).toBe(['Cortex-A76', 'Cortex-A55'].includes(report.cpu.cpuModel ?? ''));
    expect(report.findings.filter((f) => f.status === 'fail')).toEqual([]);
    expect(finding(report, 'cpu.arch')?.status).toBe(profile.arch === 'arm' ? 'warn' : 'ok');
  });
});

describe('runPreflight memory against a model', () => {
  let dir = '';
  let bundle = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tinyedge-preflight-'));
    bundle = (await createTinyLlamaBundle({ dir: join(dir, 'bundle') })).dir;
  });
  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('a tiny bundle fits in 3 GB; with an absurd factor it does not; a missing bundle is a fail finding', async () => {
    const root = fx('armv7-on-aarch64');
    const fits = await runPreflight({ root, arch: 'arm64', probeNative: false, access: allow, model: bundle });
    expect(finding(fits, 'memory')).toMatchObject({ status: 'ok', message: expect.stringMatching(/needs about \d+ MB .*; 3332 MB available of 3790 MB/) });
    const tooBig = await runPreflight({ root, arch: 'arm64', probeNative: false, access: allow, model: bundle, memoryFactor: 1e6 });
    expect(finding(tooBig, 'memory')).toMatchObject({ status: 'fail', hint: expect.stringContaining('smaller or int8 bundle') });
    const missing = await runPreflight({ root, arch: 'arm64', probeNative: false, access: allow, model: join(dir, 'nope') });
    expect(finding(missing, 'memory')).toMatchObject({ status: 'fail', message: expect.stringContaining('no model at') });
  });
});

describe('chooseBackendAndThreads', () => {
  it('board threads capped by cores; 1 without a board; portable preference noted while native works', async () => {
    const pi4 = await getBoard('raspberry-pi-4-b');
    expect(chooseBackendAndThreads({ board: pi4, cores: 4 })).toMatchObject({ backend: 'native', threads: 4 });
    const capped = chooseBackendAndThreads({ board: pi4, cores: 2 });
    expect(capped.threads).toBe(2);
    expect(capped.reason).toContain('capped by the 2 cores');
    expect(chooseBackendAndThreads({ cores: 8 })).toMatchObject({ threads: 1, reason: expect.stringContaining('runtime default of 1') });
    const bbb = await getBoard('beaglebone-black');
    expect(chooseBackendAndThreads({ board: bbb, cores: 1 }).reason).toContain('prefers the portable backend');
    expect(() => chooseBackendAndThreads({ cores: 0 })).toThrow(RangeError);
  });

  it("loadModel({ threads: 'auto' }) runs with the detected board's choice", async () => {
    const detected = await detectBoard();
    const expected = chooseBackendAndThreads({ board: detected }).threads;
    expect(expected).toBe(Math.min(detected.profile.inference.threads, detected.cores));
    const bundle = await createTinyLlamaBundle({ seed: 3 });
    const model = await loadModel(bundle.dir, { threads: 'auto' });
    try {
      const { tokens } = await model.generate('', { maxTokens: 4, temperature: 0 }).result;
      expect(tokens).toHaveLength(4);
    } finally {
      await model.close();
    }
    await expect(loadModel(bundle.dir, { threads: 0 })).rejects.toThrow(RangeError);
    await rm(bundle.dir, { recursive: true, force: true });
  });
});
