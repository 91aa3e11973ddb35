import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The directory of tinyedge's own `package.json` (or of a release built by
 * `tinyedge flash`, whose package.json says `"tinyedge": {"release": true}`),
 * found by walking up from this module. Walking up (rather than a fixed `../..`) gives the same answer
 * from `src/runtime/` under tsx and from a bundled chunk in `dist/`.
 *
 * @returns absolute path of the package root
 * @throws Error when no `package.json` named `tinyedge` encloses this module (a broken install)
 * @example
 * ```ts
 * const modelsDir = join(packageRoot(), 'models');
 * ```
 */
export function packageRoot(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; tinyedge?: { release?: unknown } };
      // A release made by `tinyedge flash` bundles tinyedge into the app and marks its own package.json.
      if (pkg.name === 'tinyedge' || pkg.tinyedge?.release === true) {
        cached = dir;
        return dir;
      }
    } catch {
      // no package.json here (or unreadable): keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('tinyedge: cannot find the package root (no package.json named "tinyedge" above this module)');
    dir = parent;
  }
}
