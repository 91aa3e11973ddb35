import { createHash } from 'node:crypto';
import { cp, link, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { TinyEdgeError } from '../errors.js';
import { packageRoot } from '../runtime/package-root.js';
import { readAppConfig } from './app-config.js';
import type { AppConfig } from './app-config.js';
import { keepPackageFile, listFiles, listTree, runtimePackages } from './runtime-packages.js';
import type { ReleaseArch } from './runtime-packages.js';

export type { ReleaseArch } from './runtime-packages.js';

/** One file of a release and its hash. */
export interface ReleaseFile {
  /** Path inside the release, `/`-separated. */
  path: string;
  /** Size in bytes. */
  bytes: number;
  /** Lower-case hex sha256. */
  sha256: string;
}

/** `MANIFEST.json` at the root of every release. */
export interface ReleaseManifest {
  app: string;
  /** The app's version plus a content hash: the same content gives the same version. */
  version: string;
  board: string;
  arch: ReleaseArch;
  /** The systemd unit file inside the release, if the board config has one. */
  service: string | null;
  files: ReleaseFile[];
}

/** Progress of a long step, for a progress bar. */
export interface ProgressEvent {
  phase: 'bundle' | 'copy' | 'hash' | 'upload' | 'verify' | 'health';
  done: number;
  total: number;
}

/** Options for {@link buildRelease}. */
export interface BuildReleaseOptions {
  /** The app directory (with `tinyedge.app.json`). */
  appDir: string;
  /** The board's id and architecture. */
  board: { id: string; arch: ReleaseArch };
  /** Where to write the release; emptied first. */
  outDir: string;
  /** Called as work progresses. */
  onProgress?: (event: ProgressEvent) => void;
}

/** What {@link buildRelease} made. */
export interface BuiltRelease {
  dir: string;
  config: AppConfig;
  manifest: ReleaseManifest;
}

/**
 * Builds an app into a self-contained release directory for one board:
 * `app.js` and the inference worker bundled by rollup (tinyedge compiled in),
 * the run-time packages with only the native files the board's architecture
 * needs, the app's models, the board's config and systemd unit, and
 * `MANIFEST.json` with the sha256 of every file.
 *
 * Needs `rollup` and `@rollup/plugin-typescript` (optional peer dependencies).
 *
 * @throws TinyEdgeError `E_DEPLOY` when the app does not build or a piece is missing
 */
export async function buildRelease(options: BuildReleaseOptions): Promise<BuiltRelease> {
  const appDir = resolve(options.appDir);
  const config = await readAppConfig(appDir);
  const outDir = resolve(options.outDir);
  const progress = options.onProgress ?? (() => undefined);
  const root = packageRoot();
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });

  progress({ phase: 'bundle', done: 0, total: 1 });
  await bundleApp(appDir, config, root, outDir);
  progress({ phase: 'bundle', done: 1, total: 1 });

  const copies: Array<{ from: string; to: string }> = [];
  for (const pkg of await runtimePackages(root)) {
    for (const file of await listFiles(pkg.dir)) {
      if (keepPackageFile(pkg.name, file, options.board.arch, pkg.main)) copies.push({ from: join(pkg.dir, file), to: `${pkg.releasePath}/${file}` });
    }
  }
  for (const model of config.models) {
    const dir = join(root, 'models', model);
    const files = await listFiles(dir).catch(() => {
      throw new TinyEdgeError('E_DEPLOY', `the app needs model "${model}" but ${dir} does not exist`, 'Build the model first (npm run train:appliance) or fix "models" in tinyedge.app.json.');
    });
    for (const file of files) copies.push({ from: join(dir, file), to: `models/${model}/${file}` });
  }
  // tinyedge's board profiles (and their schema): the bundled SDK reads them at run time.
  for (const file of await listFiles(join(root, 'boards'))) copies.push({ from: join(root, 'boards', file), to: `boards/${file}` });
  const boardDir = resolve(appDir, config.boardsDir, options.board.id);
  const boardFiles = await listFiles(boardDir).catch(() => {
    throw new TinyEdgeError('E_DEPLOY', `no configuration for board "${options.board.id}" at ${boardDir}`, `Add ${boardDir}/config.json (and a systemd unit) for this board.`);
  });
  let service: string | null = null;
  for (const file of boardFiles) {
    copies.push({ from: join(boardDir, file), to: `board/${file}` });
    if (file.endsWith('.service')) service = `board/${file}`;
  }
  for (const [i, copy] of copies.entries()) {
    const to = join(outDir, copy.to);
    await mkdir(dirname(to), { recursive: true });
    // The staging directory is read, hashed and copied out, never written to, so a
    // hard link is as good as a copy and far faster; another filesystem falls back to copying.
    await link(copy.from, to).catch(() => cp(copy.from, to, { preserveTimestamps: true }));
    if (i % 50 === 0 || i === copies.length - 1) progress({ phase: 'copy', done: i + 1, total: copies.length });
  }
  await writeFile(
    join(outDir, 'package.json'),
    `${JSON.stringify({ name: config.name, version: config.version, private: true, type: 'module', tinyedge: { release: true } }, null, 2)}\n`,
  );

  const paths = (await listTree(outDir)).filter((p) => p !== 'MANIFEST.json');
  const files: ReleaseFile[] = [];
  for (const [i, path] of paths.entries()) {
    const bytes = await readFile(join(outDir, path));
    files.push({ path, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    if (i % 50 === 0 || i === paths.length - 1) progress({ phase: 'hash', done: i + 1, total: paths.length });
  }
  const contentHash = createHash('sha256');
  for (const f of files) contentHash.update(`${f.path}\0${f.sha256}\n`);
  const manifest: ReleaseManifest = {
    app: config.name,
    version: `${config.version}-${contentHash.digest('hex').slice(0, 10)}`,
    board: options.board.id,
    arch: options.board.arch,
    service,
    files,
  };
  await writeFile(join(outDir, 'MANIFEST.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return { dir: outDir, config, manifest };
}


async function bundleApp(appDir: string, config: AppConfig, root: string, outDir: string): Promise<void> {
  let rollup: typeof import('rollup').rollup;
  let ts: typeof import('typescript');
  try {
    ({ rollup } = await import('rollup'));
    const imported = (await import('typescript')) as unknown as { default?: typeof import('typescript') } & typeof import('typescript');
    ts = imported.default ?? imported;
  } catch {
    throw new TinyEdgeError('E_DEPLOY', 'flash needs rollup and typescript to bundle the app', 'npm install --save-dev rollup typescript');
  }
  const fromSource = await stat(join(root, 'src', 'index.ts')).then(() => true, () => false);
  const distName: Record<string, string> = { index: 'index', 'testing/index': 'testing', 'runtime/inference-worker': 'inference-worker' };
  const tinyedgeEntry = (sub: string): string => (fromSource ? join(root, 'src', `${sub}.ts`) : join(root, 'dist', `${distName[sub]!}.js`));
  const entries: Record<string, string> = {
    app: join(appDir, config.entry),
    'inference-worker': tinyedgeEntry('runtime/inference-worker'),
  };
  const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
  const warnings: string[] = [];
  let bundle: import('rollup').RollupBuild;
  try {
    bundle = await rollup({
      input: entries,
      // Installed packages stay external: they ship in the release's node_modules.
      external: (id) => builtins.has(id) || (!id.startsWith('.') && !id.startsWith('/') && id !== 'tinyedge' && !id.startsWith('tinyedge/')),
      onwarn: (warning) => {
        if (warning.code === 'UNRESOLVED_IMPORT') warnings.push(warning.message);
      },
      plugins: [typeScriptSources(ts, tinyedgeEntry)],
    });
  } catch (err) {
    throw new TinyEdgeError('E_DEPLOY', `the app does not build: ${(err as Error).message}`, 'Fix the syntax or import errors above; `npm run typecheck` checks types.', { cause: err });
  }
  try {
    await bundle.write({ dir: outDir, format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' });
  } finally {
    await bundle.close();
  }
  if (warnings.length > 0) {
    throw new TinyEdgeError('E_DEPLOY', `the app does not build cleanly:\n  ${warnings.join('\n  ')}`, 'Fix the warnings above.');
  }
}

/**
 * A rollup plugin that loads TypeScript sources the way Node's NodeNext
 * resolution writes them (`./x.js` naming `./x.ts`), maps `tinyedge` to the
 * SDK's entry, and strips types file by file with `ts.transpileModule`.
 * Only the modules the app reaches are read; types are `tsc`'s job, not the
 * bundler's, so a flash stays fast.
 */
const transpiled = new Map<string, string>();

function typeScriptSources(ts: typeof import('typescript'), tinyedgeEntry: (sub: string) => string): import('rollup').Plugin {
  return {
    name: 'tinyedge-typescript-sources',
    async resolveId(id, importer) {
      if (id === 'tinyedge') return tinyedgeEntry('index');
      if (id === 'tinyedge/testing') return tinyedgeEntry('testing/index');
      if (importer?.endsWith('.ts') && id.startsWith('.') && id.endsWith('.js')) {
        const candidate = join(dirname(importer), `${id.slice(0, -3)}.ts`);
        if (await stat(candidate).then((s) => s.isFile(), () => false)) return candidate;
      }
      return null;
    },
    transform(code, id) {
      if (!id.endsWith('.ts')) return null;
      const key = `${id}\0${createHash('sha1').update(code).digest('hex')}`;
      const cached = transpiled.get(key);
      if (cached !== undefined) return { code: cached, map: null };
      const out = ts.transpileModule(code, {
        fileName: id,
        compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true, sourceMap: false },
      });
      transpiled.set(key, out.outputText); // later flashes in the same process reuse it
      return { code: out.outputText, map: null };
    },
  };
}
