import { readFile, readdir, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { TinyEdgeError } from '../errors.js';

/** An installed package a release needs at run time. */
export interface RuntimePackage {
  name: string;
  /** Its `main` entry, `/`-separated, if it names one. */
  main?: string;
  /** Absolute directory it is installed in. */
  dir: string;
  /** Its path relative to the release root, e.g. `node_modules/mqtt`. */
  releasePath: string;
}

/** Node's names for the architectures a board can have. */
export type ReleaseArch = 'x64' | 'arm64' | 'arm';

/**
 * The run-time dependency closure of the package at `rootDir`: its
 * `dependencies` and the installed `optionalDependencies`, recursively, each
 * found the way Node finds it (the nearest `node_modules` walking up), with
 * the nesting preserved so the release resolves them the same way.
 *
 * @throws TinyEdgeError `E_DEPLOY` when a required dependency is not installed
 */
export async function runtimePackages(rootDir: string): Promise<RuntimePackage[]> {
  const found = new Map<string, RuntimePackage>();
  const queue: Array<{ from: string; name: string; optional: boolean }> = [];
  const enqueueDeps = async (pkgDir: string): Promise<void> => {
    const pkg = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8')) as {
      main?: string;
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    for (const name of Object.keys(pkg.dependencies ?? {})) queue.push({ from: pkgDir, name, optional: false });
    for (const name of Object.keys(pkg.optionalDependencies ?? {})) queue.push({ from: pkgDir, name, optional: true });
  };
  await enqueueDeps(rootDir);
  while (queue.length > 0) {
    const { from, name, optional } = queue.shift()!;
    const dir = await locate(from, name, rootDir);
    if (dir === undefined) {
      if (optional) continue;
      throw new TinyEdgeError('E_DEPLOY', `${name} (needed by ${relative(rootDir, from) || 'the app'}) is not installed`, 'Run `npm ci` before flashing.');
    }
    if (found.has(dir) || NOT_LOADED_AT_RUN_TIME.has(name)) continue;
    const { main } = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { main?: string };
    found.set(dir, { name, dir, releasePath: relative(rootDir, dir).split(sep).join('/'), ...(main ? { main: main.replace(/^\.\//, '') } : {}) });
    await enqueueDeps(dir);
  }
  return [...found.values()].sort((a, b) => a.releasePath.localeCompare(b.releasePath));
}

async function locate(from: string, name: string, stopAt: string): Promise<string | undefined> {
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    try {
      if ((await stat(join(candidate, 'package.json'))).isFile()) return candidate;
    } catch {
      // not here: walk up
    }
    if (dir === stopAt || dirname(dir) === dir) return undefined;
    dir = dirname(dir);
  }
}

/**
 * Declared dependencies that nothing loads at run time: tfjs-tflite-node
 * depends on the browser TFLite package (24 MB), but its Node entry, the
 * low-level runner tinyedge uses, never requires it.
 */
const NOT_LOADED_AT_RUN_TIME = new Set(['@tensorflow/tfjs-tflite']);

const OS_ARCH_DIR = /^(linux|darwin|win32|android|freebsd|openbsd|sunos|aix)-[a-z0-9+_-]+$/;
const TFLITE_LIB_DIR: Record<ReleaseArch, string | undefined> = { x64: 'linux_amd64', arm64: 'linux_arm64', arm: undefined };

/**
 * Whether a file of an installed package belongs in a release for `arch`:
 * prebuilt binaries for other platforms, other architectures' TFLite
 * libraries, source maps, type declarations and docs stay behind. TensorFlow.js
 * packages ship one bundled file per environment; only the Node one (their
 * `main`) and the WebAssembly binaries travel.
 *
 * @param pkgName - the package the file belongs to
 * @param path - the file's path inside the package, `/`-separated
 * @param arch - the board's architecture
 * @param main - the package's `main` entry, when it has one
 */
export function keepPackageFile(pkgName: string, path: string, arch: ReleaseArch, main?: string): boolean {
  const parts = path.split('/');
  const base = parts[parts.length - 1]!;
  if (/\.(map|d\.ts|d\.mts|d\.cts|md|markdown)$/i.test(base) && !/^license/i.test(base)) return false;
  if (pkgName.startsWith('@tensorflow/tfjs-') && main !== undefined) {
    return path === 'package.json' || path === main || /^license/i.test(base) || /^dist\/[^/]+\.wasm$/.test(path);
  }
  // prebuildify layout: prebuilds/<platform>-<arch>/...
  const prebuilds = parts.indexOf('prebuilds');
  if (prebuilds >= 0 && parts[prebuilds + 1] !== undefined && OS_ARCH_DIR.test(parts[prebuilds + 1]!)) {
    return parts[prebuilds + 1] === `linux-${arch}`;
  }
  if (pkgName === 'tfjs-tflite-node') {
    if (parts[0] === 'src' || base === 'yarn-error.log') return false;
    if (parts[0] === 'cc_deps') {
      if (parts[1] === 'include') return arch === 'arm64'; // headers to build the binding on the board
      return parts[1] === TFLITE_LIB_DIR[arch];
    }
    if (parts[0] === 'build') {
      // The published prebuilt binding is x86-64; an arm64 board builds its own (see docs/flash.md).
      return arch === 'x64' && path === 'build/Release/node_tflite_binding.node';
    }
  }
  return true;
}

/** Every file under `dir`, as `/`-separated paths relative to it. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (at: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const full = join(at, entry.name);
      if (entry.isDirectory()) {
        if (entry.name === 'node_modules') continue; // nested packages are collected on their own
        await walk(full);
      } else if (entry.isFile()) {
        out.push(relative(dir, full).split(sep).join('/'));
      }
    }
  };
  await walk(dir);
  return out.sort();
}

/** Every file under `dir`, nested `node_modules` included, as sorted `/`-separated relative paths. */
export async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}
