import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { Command } from 'commander';
import { TinyEdgeError } from '../errors.js';
import { formatTfliteSummary } from '../tflite/format-tflite-summary.js';
import { readTfliteModel } from '../tflite/read-tflite-model.js';
import { summarizeTfliteModel } from '../tflite/summarize-tflite-model.js';
import type { TfliteModelSummary } from '../tflite/tflite-model-summary.js';
import { runAction } from './run-action.js';

/** What `tinyedge inspect --json` prints on success. */
export interface InspectResult {
  /** The `.tflite` file that was read. */
  path: string;
  /** The bundle's manifest fields when a bundle directory with a `manifest.json` was given, else null. */
  bundle: {
    /** The bundle directory. */
    path: string;
    /** The manifest's `name`, or null when absent. */
    name: string | null;
    /** The manifest's `version`, or null when absent. */
    version: string | null;
    /** The manifest's `quantization` (e.g. `int8`), or null when absent. */
    quantization: string | null;
    /** The manifest's short-context window model, or null when it has none. */
    windowModel: { file: string; rows: number } | null;
  } | null;
  /** The model summary. */
  summary: TfliteModelSummary;
}

const USAGE_HINT = 'Pass a .tflite file or a bundle directory (manifest.json + model.tflite).';

/**
 * Creates `tinyedge inspect <model.tflite|bundle-dir> [--json]`: reads a
 * TFLite model, ours or anyone's, and prints its operators with counts,
 * tensor and parameter counts, constant bytes by dtype, and inputs and
 * outputs. For a bundle directory it reads the model that `manifest.json`'s
 * `model` field names (default `model.tflite`) and also prints the bundle's
 * name, version and quantization. Fails with `E_NOT_FOUND`, `E_IO`,
 * `E_BUNDLE_MANIFEST` or `E_MODEL_FORMAT` (see `runAction` for how failures
 * are printed).
 *
 * @returns the subcommand, for `program.addCommand`
 *
 * @example
 * ```ts
 * program.addCommand(inspectCommand());
 * // $ tinyedge inspect models/appliance --json
 * ```
 */
export function inspectCommand(): Command {
  return new Command('inspect')
    .description('print the structure of a TFLite model: operators, tensors, parameters, bytes by dtype, inputs and outputs')
    .argument('<path>', 'a .tflite file or a model bundle directory')
    .option('--json', 'print one JSON object (the model summary) instead of the text report')
    .action(runAction(async (path: string, options: { json?: boolean }) => {
      const result = await inspect(path);
      if (options.json === true) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      const lines = [`model: ${result.path}`];
      const b = result.bundle;
      if (b !== null) {
        lines.push(`bundle: ${b.path}`, `  name: ${b.name ?? '-'}`, `  version: ${b.version ?? '-'}`,
          `  quantization: ${b.quantization ?? '-'}`);
        if (b.windowModel) lines.push(`  window model: ${b.windowModel.file} (${b.windowModel.rows}-position context; inspect it by path)`);
      }
      process.stdout.write(`${lines.join('\n')}\n${formatTfliteSummary(result.summary)}`);
    }));
}

async function inspect(target: string): Promise<InspectResult> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    throw new TinyEdgeError('E_NETWORK_REFUSED', `Refusing to read ${target}: tinyedge never touches the network.`,
      'Download the file yourself and pass its local path.');
  }
  const kind = await statKind(target);
  let modelPath = target;
  let bundle: InspectResult['bundle'] = null;
  if (kind === 'directory') {
    const manifest = await readManifest(target);
    const model = manifest?.['model'] ?? 'model.tflite';
    if (typeof model !== 'string' || model === '' || isAbsolute(model) || relative(target, join(target, model)).startsWith('..')) {
      throw new TinyEdgeError('E_BUNDLE_MANIFEST', `${join(target, 'manifest.json')}: expected "model" to be a file name inside the bundle, found ${JSON.stringify(model)}.`,
        'Fix the manifest: "model" names the .tflite file relative to the bundle directory.');
    }
    modelPath = join(target, model);
    if (manifest !== null) {
      const field = (k: string): string | null => {
        const v = manifest[k];
        return typeof v === 'string' || typeof v === 'number' ? String(v) : null;
      };
      const w = manifest.windowModel as { file?: unknown; rows?: unknown } | undefined;
      const windowModel = w && typeof w.file === 'string' && typeof w.rows === 'number' ? { file: w.file, rows: w.rows } : null;
      bundle = { path: target, name: field('name'), version: field('version'), quantization: field('quantization'), windowModel };
    }
    if ((await statKind(modelPath)) !== 'file') {
      throw new TinyEdgeError('E_NOT_FOUND', `${modelPath} is not a file.`, USAGE_HINT);
    }
  }
  const bytes = await readFile(modelPath).catch((err: unknown) => {
    throw fsError(err, modelPath);
  });
  try {
    return { path: modelPath, bundle, summary: summarizeTfliteModel(readTfliteModel(bytes)) };
  } catch (err) {
    if (err instanceof TinyEdgeError) throw new TinyEdgeError(err.code, `${modelPath}: ${err.message}`, err.hint, { cause: err });
    throw err;
  }
}

async function statKind(path: string): Promise<'file' | 'directory' | 'other'> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'directory' : s.isFile() ? 'file' : 'other';
  } catch (err) {
    throw fsError(err, path);
  }
}

async function readManifest(dir: string): Promise<Record<string, unknown> | null> {
  const path = join(dir, 'manifest.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw fsError(err, path);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new TinyEdgeError('E_BUNDLE_MANIFEST', `${path}: expected JSON, but ${(err as Error).message}.`,
      'Fix or regenerate the manifest (tinyedge convert writes it).', { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TinyEdgeError('E_BUNDLE_MANIFEST', `${path}: expected a JSON object, found ${Array.isArray(parsed) ? 'an array' : typeof parsed}.`,
      'Fix or regenerate the manifest (tinyedge convert writes it).');
  }
  return parsed as Record<string, unknown>;
}

function fsError(err: unknown, path: string): TinyEdgeError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new TinyEdgeError('E_NOT_FOUND', `No such file or directory: ${resolve(path)}.`, `Check the path. ${USAGE_HINT}`, { cause: err });
  }
  return new TinyEdgeError('E_IO', `Cannot read ${path}: ${(err as Error).message}.`,
    code === 'EACCES' ? 'Check the file permissions.' : 'Check that the file is readable and not larger than 2 GiB.', { cause: err });
}
