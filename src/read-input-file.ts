import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { TinyEdgeError } from './errors.js';

/**
 * Reads a file the user named (a checkpoint, a training config, a corpus),
 * turning the ways that fails into a `TinyEdgeError`: `E_NOT_FOUND` for a
 * missing file (with `notFoundHint`), `E_IO` for anything else.
 *
 * @param path - the file
 * @param what - what it is, for messages: "no <what> file at ..."
 * @param notFoundHint - what to check when it is missing
 */
export async function readInputFile(path: string, what: string, notFoundHint = 'Check the path.'): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new TinyEdgeError('E_NOT_FOUND', `no ${what} file at ${resolve(path)}`, notFoundHint, { cause: err });
    }
    throw new TinyEdgeError('E_IO', `cannot read the ${what} ${path}: ${(err as Error).message}`, 'Check that the file is readable.', { cause: err });
  }
}
