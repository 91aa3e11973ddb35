import { readdir, readFile } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { TinyEdgeError } from '../errors.js';
import { packageRoot } from '../runtime/package-root.js';
import type { ShippedBoardId } from './board-ids.js';
import type { BoardProfile } from './board-profile.js';

/** Options of {@link loadBoards} and {@link getBoard}. */
export interface LoadBoardsOptions {
  /**
   * Directories of user board files, searched after the shipped ones.
   * Default: the `TINYEDGE_BOARDS` environment variable, a list of
   * directories separated by `:` (`;` on Windows); none when unset.
   */
  dir?: string | string[];
}

/** Where a loaded profile came from; see {@link loadBoardCatalog}. */
export interface BoardCatalogEntry {
  /** The profile, user overrides applied. */
  profile: BoardProfile;
  /** `shipped` (as in tinyedge's boards/), `user` (a board tinyedge does not ship) or `overridden` (shipped, with fields from a user file). */
  source: 'shipped' | 'user' | 'overridden';
  /** The files it was read from: the shipped file first, then any user file. */
  files: string[];
}

/**
 * The directory holding tinyedge's own board files and `schema.json`: the
 * `boards/` directory next to tinyedge's `package.json`, found from the
 * sources (tsx) and from the built `dist/` alike.
 *
 * @returns an absolute path
 * @example
 * ```ts
 * console.log(shippedBoardsDir()); // /usr/lib/node_modules/tinyedge/boards
 * ```
 */
export function shippedBoardsDir(): string {
  return join(packageRoot(), 'boards');
}

/**
 * Loads every board profile: the ones tinyedge ships in `boards/`, then the
 * user's from `TINYEDGE_BOARDS` (or `options.dir`). A user file whose `id`
 * names a shipped board overrides single fields of it: objects merge key by
 * key, anything else (numbers, strings, arrays) replaces the shipped value,
 * and `null` removes an optional field. Each file, and each merged result,
 * is validated against `boards/schema.json`.
 *
 * User boards come first in the result (so detection tries them before the
 * shipped ones), each group sorted by id.
 *
 * @param options - where user boards live
 * @returns the profiles
 * @throws TinyEdgeError `E_BOARD_PROFILE` for a file that is not valid JSON, breaks the schema, or whose
 *   `id` differs from its file name or repeats another user file's; `E_NOT_FOUND` for a missing user directory
 * @example
 * ```ts
 * // TINYEDGE_BOARDS=~/.config/tinyedge/boards holds raspberry-pi-5.json = {"id":"raspberry-pi-5","inference":{"threads":3}}
 * const boards = await loadBoards();
 * boards.find((b) => b.id === 'raspberry-pi-5')?.inference.threads; // 3
 * ```
 */
export async function loadBoards(options: LoadBoardsOptions = {}): Promise<BoardProfile[]> {
  return (await loadBoardCatalog(options)).map((entry) => entry.profile);
}

/**
 * One board profile by id, with user overrides applied (see {@link loadBoards}).
 *
 * @param id - a shipped id such as `raspberry-pi-5`, or the id of a user board
 * @param options - where user boards live
 * @returns the profile
 * @throws TinyEdgeError `E_BOARD_UNKNOWN` when no profile has that id, and whatever {@link loadBoards} throws
 * @example
 * ```ts
 * const pi5 = await getBoard('raspberry-pi-5');
 * console.log(pi5.power.idleW, pi5.power.figuresFrom);
 * ```
 */
export async function getBoard(id: ShippedBoardId | (string & {}), options: LoadBoardsOptions = {}): Promise<BoardProfile> {
  if (typeof id !== 'string' || id === '') throw new TypeError(`board id must be a non-empty string, found ${JSON.stringify(id)}`);
  const catalog = await loadBoardCatalog(options);
  const entry = catalog.find((e) => e.profile.id === id);
  if (entry === undefined) {
    throw new TinyEdgeError('E_BOARD_UNKNOWN', `No board profile has the id ${JSON.stringify(id)}.`,
      `Known ids: ${catalog.map((e) => e.profile.id).join(', ')}. Add your own in a directory named by TINYEDGE_BOARDS.`);
  }
  return entry.profile;
}

/**
 * Like {@link loadBoards}, with where each profile came from (for
 * `tinyedge boards`).
 *
 * @param options - where user boards live
 * @returns one entry per board, user boards first
 * @throws TinyEdgeError as {@link loadBoards}
 * @example
 * ```ts
 * for (const { profile, source } of await loadBoardCatalog()) console.log(profile.id, source);
 * ```
 */
export async function loadBoardCatalog(options: LoadBoardsOptions = {}): Promise<BoardCatalogEntry[]> {
  const validate = await schemaValidator();
  const shippedDir = shippedBoardsDir();
  const shipped = new Map<string, BoardCatalogEntry>();
  for (const file of await boardFiles(shippedDir, false)) {
    const raw = await readBoardFile(file);
    const profile = checkProfile(validate, raw, file);
    shipped.set(profile.id, { profile, source: 'shipped', files: [file] });
  }
  const user = new Map<string, BoardCatalogEntry>();
  for (const dir of userDirs(options.dir)) {
    for (const file of await boardFiles(dir, true)) {
      const raw = await readBoardFile(file);
      const id = raw['id'];
      if (typeof id !== 'string') {
        throw profileError(file, 'expected an "id" string (the file name without .json)');
      }
      const earlier = user.get(id) ?? (shipped.get(id)?.source === 'overridden' ? shipped.get(id) : undefined);
      if (earlier !== undefined) {
        throw profileError(file, `the id "${id}" is also defined by ${earlier.files[earlier.files.length - 1]}`,
          'Keep one user file per board id.');
      }
      const base = shipped.get(id);
      if (base !== undefined) {
        const merged = mergeProfile(base.profile as unknown as Record<string, unknown>, raw);
        const profile = checkProfile(validate, merged, file);
        shipped.set(id, { profile, source: 'overridden', files: [...base.files, file] });
      } else {
        user.set(id, { profile: checkProfile(validate, raw, file), source: 'user', files: [file] });
      }
    }
  }
  const byId = (a: BoardCatalogEntry, b: BoardCatalogEntry): number => a.profile.id.localeCompare(b.profile.id);
  return [...[...user.values()].sort(byId), ...[...shipped.values()].sort(byId)];
}

/**
 * Validates one board profile against `boards/schema.json` (and the checks a
 * schema cannot express: regular expressions compile, `idleW <= loadW`,
 * `minMHz <= maxMHz`).
 *
 * @param value - a parsed board file
 * @param source - the file name, for messages
 * @returns the profile, typed
 * @throws TinyEdgeError `E_BOARD_PROFILE` naming the first problem
 * @example
 * ```ts
 * const profile = await validateBoardProfile(JSON.parse(text), 'my-board.json');
 * ```
 */
export async function validateBoardProfile(value: unknown, source: string): Promise<BoardProfile> {
  return checkProfile(await schemaValidator(), value, source);
}

let compiled: Promise<ValidateFunction> | undefined;

function schemaValidator(): Promise<ValidateFunction> {
  compiled ??= (async () => {
    const path = join(shippedBoardsDir(), 'schema.json');
    let schema: unknown;
    try {
      schema = JSON.parse(await readFile(path, 'utf8'));
    } catch (err) {
      compiled = undefined;
      throw new TinyEdgeError('E_BOARD_PROFILE', `Cannot read the board schema ${path}: ${(err as Error).message}.`,
        'The tinyedge installation is incomplete: reinstall the package (its "files" include boards/).', { cause: err });
    }
    return new Ajv({ allErrors: false, strict: true }).compile(schema as object);
  })();
  return compiled;
}

function checkProfile(validate: ValidateFunction, value: unknown, file: string): BoardProfile {
  const candidate = { ...(value as Record<string, unknown>) };
  delete candidate['$schema'];
  if (!validate(candidate)) throw profileError(file, describeSchemaError(validate.errors?.[0]));
  const profile = candidate as unknown as BoardProfile;
  const expectedId = fileId(file);
  if (profile.id !== expectedId) throw profileError(file, `"id" is "${profile.id}" but the file is named ${expectedId}.json`, 'Name the file after the id.');
  for (const key of ['deviceTreeModel', 'cpuinfoHardware'] as const) {
    const source = profile.match[key];
    if (source === undefined) continue;
    try {
      new RegExp(source);
    } catch (err) {
      throw profileError(file, `/match/${key} is not a valid regular expression: ${(err as Error).message}`);
    }
  }
  if (profile.power.idleW > profile.power.loadW) throw profileError(file, `/power/idleW (${profile.power.idleW} W) exceeds /power/loadW (${profile.power.loadW} W)`);
  if (profile.cpu.minMHz !== undefined && profile.cpu.minMHz > profile.cpu.maxMHz) {
    throw profileError(file, `/cpu/minMHz (${profile.cpu.minMHz}) exceeds /cpu/maxMHz (${profile.cpu.maxMHz})`);
  }
  return profile;
}

function describeSchemaError(error: ErrorObject | undefined): string {
  if (error === undefined) return 'does not match boards/schema.json';
  const where = error.instancePath === '' ? 'the profile' : error.instancePath;
  if (error.keyword === 'additionalProperties') {
    return `${where} has an unknown key "${String(error.params['additionalProperty'])}" (boards/schema.json allows no others)`;
  }
  if (error.keyword === 'enum') return `${where} ${error.message ?? 'is invalid'}: ${JSON.stringify(error.params['allowedValues'])}`;
  return `${where} ${error.message ?? 'is invalid'}`;
}

function profileError(file: string, problem: string, hint = 'Fix the file; boards/schema.json describes every field.'): TinyEdgeError {
  return new TinyEdgeError('E_BOARD_PROFILE', `Board file ${file}: ${problem}.`, hint);
}

function fileId(file: string): string {
  return (file.split(/[\\/]/).pop() ?? file).replace(/\.json$/, '');
}

function userDirs(dir: string | string[] | undefined): string[] {
  if (dir !== undefined && typeof dir !== 'string' && !Array.isArray(dir)) {
    throw new TypeError(`dir must be a directory path or an array of them, found ${typeof dir}`);
  }
  const list = dir ?? process.env['TINYEDGE_BOARDS']?.split(delimiter) ?? [];
  return (Array.isArray(list) ? list : [list]).filter((d) => d !== '').map((d) => resolve(d));
}

async function boardFiles(dir: string, user: boolean): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new TinyEdgeError('E_NOT_FOUND', `The board directory ${dir} does not exist.`,
        user ? 'Check TINYEDGE_BOARDS (a list of directories separated by ":").' : 'The tinyedge installation is incomplete: reinstall the package.',
        { cause: err });
    }
    throw new TinyEdgeError(code === 'EACCES' ? 'E_PERMISSION' : 'E_IO', `Cannot list the board directory ${dir}: ${(err as Error).message}.`,
      'Check the directory permissions.', { cause: err });
  }
  return names.filter((n) => n.endsWith('.json') && n !== 'schema.json').sort().map((n) => join(dir, n));
}

async function readBoardFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TinyEdgeError(code === 'EACCES' ? 'E_PERMISSION' : 'E_IO', `Cannot read the board file ${file}: ${(err as Error).message}.`,
      'Check the file permissions.', { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw profileError(file, `not valid JSON (${(err as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw profileError(file, 'expected a JSON object');
  return parsed as Record<string, unknown>;
}

/** Objects merge key by key; anything else replaces; `null` deletes. */
function mergeProfile(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === null) {
      delete out[key];
      continue;
    }
    const current = out[key];
    out[key] = isPlainObject(value) && isPlainObject(current) ? mergeProfile(current, value) : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
