import { TinyEdgeError } from '../errors.js';
import { readInputFile } from '../read-input-file.js';

/** One training or evaluation example: a request and the action it means. */
export interface CorpusExample {
  /** The request, as a user would say or type it. */
  text: string;
  /** The action object, as the corpus line holds it. */
  action: unknown;
  /** The action as the model writes it: `JSON.stringify(action)`, keys in the order of the line. */
  actionText: string;
}

/**
 * Read JSON Lines corpora of `{"text": "...", "action": {...}}` objects, in
 * file order. Blank lines are skipped; every other line must be one such
 * object (extra keys are ignored). The action is written back as compact
 * JSON with its keys in the order of the file, which is what the model learns
 * to produce: corpora should hold canonical actions.
 *
 * @param paths - the files
 * @returns every example of every file
 * @throws TinyEdgeError `E_NOT_FOUND` for a missing file, `E_CORPUS_FORMAT` naming the file and line of a bad line
 * @example
 * ```ts
 * const examples = await readCorpus(['data/appliance/train.jsonl']);
 * ```
 */
export async function readCorpus(paths: readonly string[]): Promise<CorpusExample[]> {
  const out: CorpusExample[] = [];
  for (const path of paths) {
    const text = (await readInputFile(path, 'corpus', 'Check the corpus paths in the training config (they are relative to the config file).')).toString('utf8');
    out.push(...parseCorpus(text, path));
  }
  return out;
}

/**
 * Parse the text of one JSON Lines corpus (see {@link readCorpus}).
 *
 * @param text - the file's content
 * @param source - its name, for messages
 * @throws TinyEdgeError `E_CORPUS_FORMAT` naming the line of the first bad line
 */
export function parseCorpus(text: string, source: string): CorpusExample[] {
  const out: CorpusExample[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const fail = (detail: string): never => {
      throw new TinyEdgeError('E_CORPUS_FORMAT', `${source}:${i + 1}: ${detail}`, 'Each line must be one JSON object {"text": "<request>", "action": {...}}.');
    };
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      fail(`not JSON (${(err as Error).message})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('expected a JSON object');
    const { text: request, action } = value as { text?: unknown; action?: unknown };
    if (typeof request !== 'string' || request.trim() === '') fail('"text" must be a non-empty string');
    if (typeof action !== 'object' || action === null || Array.isArray(action)) fail('"action" must be a JSON object');
    // JSON.stringify escapes control characters, so the action is always one line
    out.push({ text: request as string, action, actionText: JSON.stringify(action) });
  });
  return out;
}
