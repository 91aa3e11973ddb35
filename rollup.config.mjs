// Builds tinyedge into dist/:
//   dist/index.js, dist/index.d.ts       the library ('tinyedge')
//   dist/testing.js, dist/testing.d.ts   fakes for tests ('tinyedge/testing')
//   dist/cli.js                          the `tinyedge` bin (hashbang, executable)
//   dist/inference-worker.js             the worker thread that owns the interpreter
//
// Every entry and every shared chunk lands at the root of dist/: the runtime
// starts its worker with `new URL('./inference-worker.js', import.meta.url)`,
// which only resolves if the module saying it sits next to the worker file.
//
// Dependencies (tfjs-tflite-node's native addon above all) and Node builtins
// stay external: they are loaded from node_modules at run time, never bundled.

import { chmodSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const outDir = 'dist';
const tsconfig = './tsconfig.build.json';

const externalPackages = [
  ...Object.keys(pkg.dependencies ?? {}),
  ...Object.keys(pkg.peerDependencies ?? {}),
  ...Object.keys(pkg.optionalDependencies ?? {}),
];
const builtins = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)]);

/** True for Node builtins and for a dependency or any of its subpaths ('pkg', 'pkg/sub'). */
function isExternal(id) {
  if (builtins.has(id)) return true;
  return externalPackages.some((name) => id === name || id.startsWith(`${name}/`));
}

/**
 * A bare import that is neither a dependency nor a builtin would be left
 * unresolved and fail on the user's machine; fail the build instead.
 */
function onwarn(warning, warn) {
  if (warning.code === 'UNRESOLVED_IMPORT') {
    throw new Error(
      `${warning.message}\n  Bare imports in src/ must be listed in package.json "dependencies" (they stay external).`,
    );
  }
  warn(warning);
}

/** Removes dist/ before the first build, so no stale chunk from an earlier layout survives. */
function cleanOutDir() {
  return {
    name: 'tinyedge-clean-out-dir',
    buildStart() {
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

/** Gives the CLI entry its hashbang (one only, even if the source has one) and the executable bit. */
function executableBin(chunkName) {
  return {
    name: 'tinyedge-executable-bin',
    transform(code) {
      // A source hashbang would be emitted mid-file after the banner; blank it, keeping line numbers.
      if (code.startsWith('#!')) return { code: code.replace(/^#![^\n]*/, ''), map: null };
      return null;
    },
    writeBundle(options, bundle) {
      for (const [fileName, chunk] of Object.entries(bundle)) {
        if (chunk.type === 'chunk' && chunk.isEntry && chunk.name === chunkName) {
          chmodSync(`${options.dir}/${fileName}`, 0o755);
        }
      }
    },
  };
}

/** @type {import('rollup').RollupOptions[]} */
export default [
  {
    input: {
      index: 'src/index.ts',
      testing: 'src/testing/index.ts',
      cli: 'src/cli/main.ts',
      'inference-worker': 'src/runtime/inference-worker.ts',
    },
    external: isExternal,
    onwarn,
    plugins: [
      cleanOutDir(),
      typescript({
        tsconfig,
        // Declarations come from rollup-plugin-dts below, bundled per entry.
        compilerOptions: { declaration: false, declarationMap: false, sourceMap: true },
        // A type error fails the build instead of shipping.
        noEmitOnError: true,
      }),
      // After typescript: it compiles from its own program, so it must see the compiled code.
      executableBin('cli'),
    ],
    output: {
      dir: outDir,
      format: 'es',
      entryFileNames: '[name].js',
      chunkFileNames: '[name]-[hash].js',
      sourcemap: true,
      banner: (chunk) => (chunk.isEntry && chunk.name === 'cli' ? '#!/usr/bin/env node' : ''),
    },
  },
  {
    input: {
      index: 'src/index.ts',
      testing: 'src/testing/index.ts',
    },
    external: isExternal,
    onwarn,
    plugins: [dts({ tsconfig, compilerOptions: { declarationMap: false } })],
    output: {
      dir: outDir,
      format: 'es',
      entryFileNames: '[name].d.ts',
      chunkFileNames: '[name]-[hash].d.ts',
    },
  },
];
