import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TinyEdgeError } from '../errors.js';
import { packageRoot } from './package-root.js';

/** Where {@link resolveModelLocation} looks. */
export interface ResolveModelOptions {
  /** Directory of bundled models. Default: `models/` in the tinyedge package. */
  modelsDir?: string;
  /** Base for relative paths. Default `process.cwd()`. */
  cwd?: string;
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]+):/;
const BARE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Turn what a user passed to `loadModel` into a bundle directory path.
 *
 * - `http:`, `https:` and every other URL scheme except `file:` are refused:
 *   the runtime never touches the network.
 * - A bare name (`appliance`) is a bundled model in `modelsDir`; when none
 *   has that name, a directory of that name under `cwd` is used instead.
 * - Anything else is a path, resolved against `cwd`.
 *
 * @returns an absolute directory path (not checked for existence unless it was a bare name)
 * @throws TypeError when `nameOrPath` is not a non-empty string
 * @throws TinyEdgeError `E_NETWORK_REFUSED` for a URL other than `file:`
 * @throws TinyEdgeError `E_NOT_FOUND` for a bare name that is neither bundled nor a local directory
 * @example
 * ```ts
 * resolveModelLocation('./bundles/tiny'); // '/home/pi/app/bundles/tiny'
 * ```
 */
export function resolveModelLocation(nameOrPath: string, options: ResolveModelOptions = {}): string {
  if (typeof nameOrPath !== 'string' || nameOrPath.trim() === '') {
    throw new TypeError(`model must be a bundle name or path, found ${JSON.stringify(nameOrPath)}`);
  }
  const cwd = options.cwd ?? process.cwd();
  const scheme = SCHEME.exec(nameOrPath)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (scheme !== 'file') {
      throw new TinyEdgeError(
        'E_NETWORK_REFUSED',
        `refusing to load a model from ${nameOrPath}: tinyedge never touches the network (scheme "${scheme}:")`,
        'Download the bundle yourself, check its hashes, and pass its local directory.',
      );
    }
    try {
      return fileURLToPath(nameOrPath);
    } catch (err) {
      throw new TypeError(`not a valid file: URL: ${nameOrPath} (${(err as Error).message})`);
    }
  }
  if (BARE_NAME.test(nameOrPath) && nameOrPath !== '.' && nameOrPath !== '..') {
    const modelsDir = options.modelsDir ?? join(packageRoot(), 'models');
    const bundled = join(modelsDir, nameOrPath);
    if (existsSync(join(bundled, 'manifest.json'))) return bundled;
    const local = resolve(cwd, nameOrPath);
    if (existsSync(local)) return local;
    const names = bundledNames(modelsDir);
    throw new TinyEdgeError(
      'E_NOT_FOUND',
      `no bundled model named "${nameOrPath}" and no directory ${local}`,
      names.length > 0 ? `Bundled models: ${names.join(', ')}; or pass a path to a bundle directory.` : 'Pass a path to a bundle directory (made by `tinyedge convert`).',
    );
  }
  return isAbsolute(nameOrPath) ? nameOrPath : resolve(cwd, nameOrPath);
}

function bundledNames(modelsDir: string): string[] {
  try {
    return readdirSync(modelsDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(modelsDir, d.name, 'manifest.json')))
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
}
