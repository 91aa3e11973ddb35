import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { TinyEdgeError } from '../errors.js';

/** An example app's `tinyedge.app.json`: what `tinyedge flash` needs to know to ship it. */
export interface AppConfig {
  /** The app's name; also the systemd unit's name without `.service`. */
  name: string;
  /** The app's version; the release version is this plus a content hash. */
  version: string;
  /** The app's entry module, relative to the app directory. */
  entry: string;
  /** Arguments that make the app run its on-device health check and print one JSON {@link HealthReport}. */
  healthCheck: string[];
  /** Bundled model names (directories under tinyedge's `models/`) the release carries. */
  models: string[];
  /** Directory holding per-board configs (`<board-id>/`), relative to the app directory. */
  boardsDir: string;
}

/** What an app's health check prints: an on-device evaluation, not just "it starts". */
export interface HealthReport {
  /** False when the app itself found a problem. */
  ok: boolean;
  /** Requests evaluated. */
  requests: number;
  /** Of those, how many gave the expected action. */
  correct: number;
  /** Median time per request, ms. */
  p50Ms: number;
  /** Energy per request, joules, when the board can tell. */
  joulesPerRequest?: number;
}

/**
 * Reads and checks `<appDir>/tinyedge.app.json`.
 *
 * @throws TinyEdgeError `E_NOT_FOUND` without the file, `E_DEPLOY` when a field is missing or wrong
 */
export async function readAppConfig(appDir: string): Promise<AppConfig> {
  const path = join(resolve(appDir), 'tinyedge.app.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new TinyEdgeError('E_NOT_FOUND', `${path} does not exist`, 'Point flash at an app directory with a tinyedge.app.json (see examples/smart-fridge).');
    }
    throw new TinyEdgeError('E_DEPLOY', `${path} is not valid JSON: ${(err as Error).message}`, 'Fix the JSON syntax.');
  }
  const c = raw as Partial<Record<keyof AppConfig, unknown>>;
  const bad = (field: string, want: string): never => {
    throw new TinyEdgeError('E_DEPLOY', `${path}: "${field}" must be ${want}`, 'See docs/flash.md for the fields of tinyedge.app.json.');
  };
  if (typeof c.name !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(c.name)) bad('name', 'a lower-case name (a-z, 0-9, -)');
  if (typeof c.version !== 'string' || c.version === '') bad('version', 'a version string');
  if (typeof c.entry !== 'string') bad('entry', 'a path');
  if (!Array.isArray(c.healthCheck) || !c.healthCheck.every((a) => typeof a === 'string')) bad('healthCheck', 'an array of strings');
  if (c.models !== undefined && (!Array.isArray(c.models) || !c.models.every((m) => typeof m === 'string'))) bad('models', 'an array of model names');
  if (c.boardsDir !== undefined && typeof c.boardsDir !== 'string') bad('boardsDir', 'a path');
  return {
    name: c.name as string,
    version: c.version as string,
    entry: c.entry as string,
    healthCheck: c.healthCheck as string[],
    models: (c.models as string[] | undefined) ?? [],
    boardsDir: (c.boardsDir as string | undefined) ?? '../boards',
  };
}
