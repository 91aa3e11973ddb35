import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TinyEdgeError } from '../errors.js';
import { parseBundleManifest } from './bundle-manifest.js';
import type { BundleManifest } from './bundle-manifest.js';

/** A bundle read from disk, every file checked against its manifest hash. */
export interface ModelBundle {
  /** The bundle directory. */
  dir: string;
  /** The validated manifest. */
  manifest: BundleManifest;
  /** The `.tflite` bytes. */
  model: Uint8Array;
  /** The window model's bytes and rows, when the bundle has one. */
  windowModel?: {
    /** Its `.tflite` bytes. */
    bytes: Uint8Array;
    /** Positions its context holds. */
    rows: number;
  };
  /** The tokenizer file's bytes. */
  tokenizer: Uint8Array;
}

const REBUILD_HINT = 'The bundle was altered or damaged; convert it again or restore it from a good copy.';

/**
 * Read a bundle directory, validate its manifest and verify the size and
 * SHA-256 of every file it lists.
 *
 * @param dir - the bundle directory
 * @throws TinyEdgeError `E_NOT_FOUND` when `dir` or a listed file does not exist
 * @throws TinyEdgeError `E_BUNDLE_MANIFEST` when `dir` is not a directory or the manifest is missing, not JSON or invalid
 * @throws TinyEdgeError `E_BUNDLE_HASH` naming the first file whose size or hash differs from the manifest
 * @example
 * ```ts
 * const { manifest, model } = await readBundle('./bundles/tiny');
 * ```
 */
export async function readBundle(dir: string): Promise<ModelBundle> {
  const info = await stat(dir).catch((err: NodeJS.ErrnoException) => {
    throw new TinyEdgeError('E_NOT_FOUND', `no model bundle at ${dir}: ${err.code ?? err.message}`, 'Check the path, or pass the name of a bundled model.', { cause: err });
  });
  if (!info.isDirectory()) {
    throw new TinyEdgeError('E_BUNDLE_MANIFEST', `${dir} is a file, expected a bundle directory holding manifest.json`, 'Convert the model into a bundle with `tinyedge convert` and pass its directory.');
  }
  const manifestPath = join(dir, 'manifest.json');
  const text = await readFile(manifestPath, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new TinyEdgeError('E_BUNDLE_MANIFEST', `${dir} has no readable manifest.json (${err.code ?? err.message})`, 'A bundle directory holds manifest.json, the model and the tokenizer; create one with `tinyedge convert`.', { cause: err });
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new TinyEdgeError('E_BUNDLE_MANIFEST', `${manifestPath} is not valid JSON: ${(err as Error).message}`, REBUILD_HINT, { cause: err });
  }
  const manifest = parseBundleManifest(json, manifestPath);

  const contents = new Map<string, Uint8Array>();
  for (const [file, expected] of Object.entries(manifest.files)) {
    const path = join(dir, file);
    const bytes = await readFile(path).catch((err: NodeJS.ErrnoException) => {
      throw new TinyEdgeError('E_NOT_FOUND', `bundle file ${file} listed in ${manifestPath} is missing (${err.code ?? err.message})`, REBUILD_HINT, { cause: err });
    });
    if (bytes.byteLength !== expected.bytes) {
      throw new TinyEdgeError('E_BUNDLE_HASH', `bundle file ${file} has ${bytes.byteLength} bytes, the manifest says ${expected.bytes}`, REBUILD_HINT);
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== expected.sha256) {
      throw new TinyEdgeError('E_BUNDLE_HASH', `bundle file ${file} has sha256 ${sha256}, the manifest says ${expected.sha256}`, REBUILD_HINT);
    }
    contents.set(file, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }
  // parseBundleManifest guarantees both files are listed, hence read above.
  const window = manifest.windowModel;
  return {
    dir,
    manifest,
    model: contents.get(manifest.model)!,
    ...(window === undefined ? {} : { windowModel: { bytes: contents.get(window.file)!, rows: window.rows } }),
    tokenizer: contents.get(manifest.tokenizer.file)!,
  };
}
