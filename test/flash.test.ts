import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareHealth, flash, rollback } from '../src/deploy/flash.js';
import { DirectoryTarget, parseTarget, SshTarget } from '../src/deploy/deploy-target.js';
import { keepPackageFile } from '../src/deploy/runtime-packages.js';
import type { DeployTarget } from '../src/deploy/deploy-target.js';
import { startSshd } from './support/sshd.js';

// Each flash bundles the SDK and collects ~1,600 dependency files; allow for a loaded machine.
const FLASHES = { timeout: 300_000 };
import type { TestSshd } from './support/sshd.js';

const run = promisify(execFile);
const fixtureApp = new URL('./fixtures/flash-app/', import.meta.url).pathname;
const board = { id: 'generic-linux-x64', arch: 'x64' as const };

let work: string;

/** A copy of the fixture app whose health check answers `quality` of 10 requests correctly. */
async function appWithQuality(quality: number): Promise<string> {
  const dir = join(work, `app-${quality}`);
  await cp(fixtureApp, dir, { recursive: true });
  const main = join(dir, 'src/main.ts');
  await writeFile(main, (await readFile(main, 'utf8')).replace('const QUALITY = 10;', `const QUALITY = ${quality};`));
  return dir;
}

async function healthOfCurrent(base: string): Promise<{ correct: number }> {
  const { stdout } = await run(process.execPath, [join(base, 'current/app.js'), '--health-check']);
  return JSON.parse(stdout) as { correct: number };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'tinyedge-flash-test-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('tinyedge flash to a directory target', () => {
  const base = (): string => join(work, 'dir-target');

  it('--dry-run lists the plan and touches nothing', async () => {
    const result = await flash({ appDir: fixtureApp, board, target: new DirectoryTarget(base()), dryRun: true });
    expect(result.status).toBe('dry-run');
    expect(result.steps.join('\n')).toMatch(/would upload to .*releases\/1\.0\.0-[0-9a-f]{10}/);
    expect(result.steps.join('\n')).toMatch(/would run the health check: node app.js --health-check/);
    expect(await readdir(base())).toEqual([]);
  });

  it('deploys a verified release, rolls back by itself from a worse one, keeps N, and --rollback goes back one', FLASHES, async () => {
    const target = new DirectoryTarget(base());
    const first = await flash({ appDir: await appWithQuality(10), board, target, keep: 2 });
    expect(first.status).toBe('deployed');
    expect(await readlink(join(base(), 'current'))).toBe(`releases/${first.version}`);
    expect(first.health).toMatchObject({ ok: true, requests: 10, correct: 10 });

    // Only the native files an x64 board needs travel, and every file is in the manifest.
    const release = join(base(), 'releases', first.version);
    const manifest = JSON.parse(await readFile(join(release, 'MANIFEST.json'), 'utf8')) as { files: Array<{ path: string }>; service: string };
    const paths = manifest.files.map((f) => f.path);
    expect(paths).toContain('app.js');
    expect(paths).toContain('inference-worker.js');
    expect(paths).toContain('node_modules/tfjs-tflite-node/cc_deps/linux_amd64/libtensorflowlite_c.so');
    const native = paths.filter((p) => /\.(node|so|dylib|dll)$/.test(p));
    expect(native.length).toBeGreaterThanOrEqual(3); // TFLite library, its binding, the serialport prebuild
    expect(native.filter((p) => !/linux_amd64|linux-x64|tfjs-tflite-node\/build\/Release\//.test(p))).toEqual([]);
    expect(manifest.service).toBe('board/flash-fixture.service');

    const worse = await flash({ appDir: await appWithQuality(6), board, target, keep: 2 });
    expect(worse.status).toBe('rolled-back');
    expect(worse.reason).toMatch(/accuracy 60.0% is below the previous 100.0%/);
    expect(worse.live).toBe(first.version);
    expect(await readlink(join(base(), 'current'))).toBe(`releases/${first.version}`);
    expect(await healthOfCurrent(base())).toMatchObject({ correct: 10 });
    expect(await readdir(join(base(), 'releases'))).toEqual([first.version]);

    const second = await flash({ appDir: await appWithQuality(9), board, target, keep: 2, margins: { accuracy: 0.2 } });
    const third = await flash({ appDir: await appWithQuality(8), board, target, keep: 2, margins: { accuracy: 0.2 } });
    expect([second.status, third.status]).toEqual(['deployed', 'deployed']);
    expect(third.removed).toEqual([first.version]);
    expect((await readdir(join(base(), 'releases'))).sort()).toEqual([second.version, third.version].sort());
    const state = JSON.parse(await readFile(join(base(), 'tinyedge-releases.json'), 'utf8')) as { history: Array<{ status: string }> };
    expect(state.history.map((r) => r.status)).toEqual(['live', 'previous', 'rolled-back']);

    expect(await rollback({ target })).toEqual({ from: third.version, to: second.version });
    expect(await readlink(join(base(), 'current'))).toBe(`releases/${second.version}`);
    expect(await healthOfCurrent(base())).toMatchObject({ correct: 9 });
  });

  it('refuses a release whose files arrive damaged, leaving the live one untouched', FLASHES, async () => {
    const live = await readlink(join(base(), 'current'));
    const inner = new DirectoryTarget(base());
    // A target whose disk changes app.js on the way in.
    const damaging: DeployTarget = {
      description: inner.description,
      exec: (command, options) => inner.exec(command, options),
      async upload(localDir, remoteDir, onProgress) {
        await inner.upload(localDir, remoteDir, onProgress);
        const app = join(base(), remoteDir, 'app.js');
        await writeFile(app, `${await readFile(app, 'utf8')}\n// damaged`);
      },
    };
    await expect(flash({ appDir: fixtureApp, board, target: damaging })).rejects.toMatchObject({ code: 'E_DEPLOY', message: /hash check failed/ });
    expect(await readlink(join(base(), 'current'))).toBe(live);
    expect((await readdir(join(base(), 'releases'))).some((n) => n.startsWith('.incoming'))).toBe(false);
  });
});

describe('tinyedge flash with the real smart-fridge app', () => {
  it('deploys examples/smart-fridge with the appliance model, and its on-device evaluation passes', FLASHES, async () => {
    const base = join(work, 'fridge-target');
    const appDir = new URL('../examples/smart-fridge/', import.meta.url).pathname;
    const result = await flash({ appDir, board, target: new DirectoryTarget(base) });
    expect(result.reason).toBeNull();
    expect(result.status).toBe('deployed');
    // The health check ran the bundled model on known requests, with latency and (estimated) energy.
    expect(result.health).toMatchObject({ ok: true, requests: 8, energyKind: 'estimated' });
    expect(result.health!.correct).toBeGreaterThanOrEqual(6);
    expect(result.health!.p50Ms).toBeGreaterThan(0);
    expect(result.health!.joulesPerRequest).toBeGreaterThan(0);
    const paths = (JSON.parse(await readFile(join(base, 'current/MANIFEST.json'), 'utf8')) as { files: Array<{ path: string }> }).files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['models/appliance/model.tflite', 'boards/schema.json', 'board/config.json', 'board/tinyedge-smart-fridge.service']));
    expect(result.steps.join('\n')).toMatch(/the target does not run systemd|restarted tinyedge-smart-fridge.service/);
  });
});

describe('tinyedge flash over ssh', () => {
  let sshd: TestSshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('deploys to a real sshd and rolls back a failing release there', FLASHES, async () => {
    const base = join(work, 'ssh-target');
    const target = parseTarget(`ssh://${sshd.user}@127.0.0.1:${sshd.port}${base}`, { sshArgs: sshd.sshArgs });
    expect(target).toBeInstanceOf(SshTarget);
    const first = await flash({ appDir: fixtureApp, board, target });
    expect(first.status).toBe('deployed');
    expect(await readlink(join(base, 'current'))).toBe(`releases/${first.version}`);
    const broken = await flash({ appDir: await appWithQuality(-1), board, target, margins: { accuracy: 0.5 } });
    expect(broken.status).toBe('rolled-back');
    expect(await readlink(join(base, 'current'))).toBe(`releases/${first.version}`);
  });

  it('says what is wrong when ssh cannot log in', async () => {
    const target = parseTarget(`ssh://nobody-here@127.0.0.1:${sshd.port}/tmp/x`, { sshArgs: sshd.sshArgs });
    await expect(target.exec('true')).rejects.toMatchObject({ code: 'E_DEPLOY', hint: /key/ });
  });
});

describe('release contents and health rules', () => {
  it('keeps only the native files of the board architecture', () => {
    expect(keepPackageFile('@serialport/bindings-cpp', 'prebuilds/linux-arm64/a.node', 'arm64')).toBe(true);
    expect(keepPackageFile('@serialport/bindings-cpp', 'prebuilds/linux-x64/a.node', 'arm64')).toBe(false);
    expect(keepPackageFile('tfjs-tflite-node', 'cc_deps/linux_arm64/libtensorflowlite_c.so', 'arm64')).toBe(true);
    expect(keepPackageFile('tfjs-tflite-node', 'cc_deps/linux_amd64/libtensorflowlite_c.so', 'arm64')).toBe(false);
    expect(keepPackageFile('tfjs-tflite-node', 'build/Release/node_tflite_binding.node', 'arm64')).toBe(false);
    expect(keepPackageFile('tfjs-tflite-node', 'build/Release/node_tflite_binding.node', 'x64')).toBe(true);
    expect(keepPackageFile('tfjs-tflite-node', 'cc_deps/linux_arm64/libtensorflowlite_c.so', 'arm')).toBe(false);
    expect(keepPackageFile('mqtt', 'dist/mqtt.js.map', 'x64')).toBe(false);
    expect(keepPackageFile('mqtt', 'LICENSE.md', 'x64')).toBe(true);
  });

  it('rolls back on a failed check, worse accuracy, latency or energy, within margins otherwise', () => {
    const prev = { ok: true, requests: 10, correct: 10, p50Ms: 20, joulesPerRequest: 0.5 };
    expect(compareHealth({ ...prev }, prev, {})).toBeNull();
    expect(compareHealth({ ...prev, correct: 10 }, null, {})).toBeNull();
    expect(compareHealth({ ...prev, ok: false }, prev, {})).toMatch(/failed/);
    expect(compareHealth({ ...prev, requests: 0, correct: 0 }, null, {})).toMatch(/no requests/);
    expect(compareHealth({ ...prev, correct: 9 }, prev, {})).toMatch(/accuracy/);
    expect(compareHealth({ ...prev, correct: 9 }, prev, { accuracy: 0.1 })).toBeNull();
    expect(compareHealth({ ...prev, p50Ms: 31 }, prev, {})).toMatch(/latency/);
    expect(compareHealth({ ...prev, joulesPerRequest: 0.8 }, prev, {})).toMatch(/energy/);
    expect(() => parseTarget('ssh://host/path')).toThrow(RangeError);
  });
});
