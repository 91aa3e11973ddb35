/**
 * Writing the appliance corpus to disk: `train.jsonl`, `valid.jsonl`,
 * `test.jsonl` and a `manifest.json` that records the seed, the sizes and
 * the SHA-256 of each file, so anyone can regenerate the corpus and prove it
 * is byte for byte the one a model was trained on.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TinyEdgeError } from '../../errors.js';
import { HELD_OUT_FOODS } from './food-lexicon.js';
import type { CorpusSplit } from './generate-corpus.js';
import { CORPUS_TEMPLATES, HELD_OUT_DISHES, corpusToJsonl, generateCorpus } from './generate-corpus.js';

/** The seed the bundled appliance model's corpus is generated with. */
export const APPLIANCE_CORPUS_SEED = 7;

/** Examples per split of the bundled appliance corpus. */
export const APPLIANCE_CORPUS_SIZES: Readonly<Record<CorpusSplit, number>> = { train: 40_000, valid: 2_000, test: 3_000 };

/** `manifest.json` of a written corpus. */
export interface CorpusManifest {
  /** The seed. */
  seed: number;
  /** Per split: file name, examples, bytes, SHA-256 (lower-case hex). */
  splits: Record<CorpusSplit, { file: string; examples: number; bytes: number; sha256: string }>;
  /** Templates per kind. */
  templates: { train: number; heldOut: number };
  /** Ids and text of the held-out templates. */
  heldOutTemplates: string[];
  /** Food names only the test split uses. */
  heldOutFoods: readonly string[];
  /** Dish names only the test split uses. */
  heldOutDishes: readonly string[];
}

/** Options of {@link buildCorpusFiles} and {@link writeCorpus}. */
export interface CorpusFilesOptions {
  /** Default {@link APPLIANCE_CORPUS_SEED}. */
  seed?: number;
  /** Default {@link APPLIANCE_CORPUS_SIZES}. */
  sizes?: Partial<Record<CorpusSplit, number>>;
}

const SPLITS: readonly CorpusSplit[] = ['train', 'valid', 'test'];

/** The three JSONL files and their manifest, in memory. */
export function buildCorpusFiles(options: CorpusFilesOptions = {}): { files: Record<CorpusSplit, string>; manifest: CorpusManifest } {
  const seed = options.seed ?? APPLIANCE_CORPUS_SEED;
  const files = {} as Record<CorpusSplit, string>;
  const splits = {} as CorpusManifest['splits'];
  for (const split of SPLITS) {
    const size = options.sizes?.[split] ?? APPLIANCE_CORPUS_SIZES[split];
    const text = corpusToJsonl(generateCorpus({ seed, size, split }));
    files[split] = text;
    const bytes = Buffer.from(text, 'utf8');
    splits[split] = { file: `${split}.jsonl`, examples: size, bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
  }
  const held = CORPUS_TEMPLATES.filter((t) => t.heldOut);
  return {
    files,
    manifest: {
      seed,
      splits,
      templates: { train: CORPUS_TEMPLATES.length - held.length, heldOut: held.length },
      heldOutTemplates: held.map((t) => `${t.id}: ${t.text}`),
      heldOutFoods: HELD_OUT_FOODS,
      heldOutDishes: HELD_OUT_DISHES,
    },
  };
}

/**
 * Generate the corpus and write it into `dir` (created if missing):
 * `train.jsonl`, `valid.jsonl`, `test.jsonl`, `manifest.json`.
 *
 * @returns the manifest written
 * @throws TinyEdgeError `E_IO` when the directory cannot be written
 * @example
 * ```ts
 * await writeCorpus('data/appliance'); // the bundled model's corpus
 * ```
 */
export async function writeCorpus(dir: string, options: CorpusFilesOptions = {}): Promise<CorpusManifest> {
  const { files, manifest } = buildCorpusFiles(options);
  try {
    await mkdir(dir, { recursive: true });
    for (const split of SPLITS) await writeFile(join(dir, manifest.splits[split].file), files[split]);
    await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  } catch (err) {
    throw new TinyEdgeError('E_IO', `could not write the corpus in ${dir}: ${(err as Error).message}`, 'Check that the directory is writable and the disk has space.', { cause: err });
  }
  return manifest;
}

/**
 * Read a corpus manifest written by {@link writeCorpus}.
 *
 * @throws TinyEdgeError `E_NOT_FOUND` when it is missing, `E_IO` when it is not JSON
 */
export async function readCorpusManifest(dir: string): Promise<CorpusManifest> {
  const path = join(dir, 'manifest.json');
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new TinyEdgeError('E_NOT_FOUND', `no corpus manifest at ${path} (${err.code ?? err.message})`, 'Generate the corpus with `npm run corpus:appliance`.', { cause: err });
  });
  try {
    return JSON.parse(text) as CorpusManifest;
  } catch (err) {
    throw new TinyEdgeError('E_IO', `${path} is not valid JSON: ${(err as Error).message}`, 'Regenerate the corpus with `npm run corpus:appliance`.', { cause: err });
  }
}
