// boards/*.json: every file valid against the closed schema, the generated id
// union up to date, and loading with user boards and per-field overrides.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BOARD_IDS_FILE, renderBoardIds } from '../scripts/generate-board-ids.js';
import { isTinyEdgeError } from '../src/errors.js';
import { SHIPPED_BOARD_IDS } from '../src/hal/board-ids.js';
import { getBoard, loadBoardCatalog, loadBoards, shippedBoardsDir } from '../src/hal/boards.js';
import { openSchemaObjects } from './support/open-schema-objects.js';

const BOARDS = fileURLToPath(new URL('../boards/', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/boards/', import.meta.url));
const schema = JSON.parse(readFileSync(join(BOARDS, 'schema.json'), 'utf8')) as Record<string, unknown>;
const boardFiles = readdirSync(BOARDS).filter((f) => f.endsWith('.json') && f !== 'schema.json').sort();

const REQUIRED_BOARDS = [
  'raspberry-pi-zero-2-w', 'raspberry-pi-3-b-plus', 'raspberry-pi-4-b', 'raspberry-pi-5', 'raspberry-pi-cm4', 'nvidia-jetson-nano',
  'beaglebone-black', 'orange-pi-5', 'coral-dev-board', 'generic-linux-x64', 'generic-linux-arm64', 'simulated',
];

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('boards/*.json against boards/schema.json', () => {
  const validate = new Ajv({ strict: true, allErrors: true }).compile(schema);

  it.each(boardFiles)('%s is valid', (file) => {
    const profile = JSON.parse(readFileSync(join(BOARDS, file), 'utf8')) as Record<string, unknown>;
    const ok = validate(profile);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    expect(`${String(profile['id'])}.json`).toBe(file);
  });

  it('ships at least the boards the issue names, each with a fixture tree', () => {
    const ids = boardFiles.map((f) => f.replace(/\.json$/, ''));
    for (const id of REQUIRED_BOARDS) expect(ids).toContain(id);
    for (const id of ids) expect(existsSync(join(FIXTURES, id, 'proc', 'cpuinfo')), `fixture for ${id}`).toBe(true);
  });

  it('is closed: every object in the schema forbids unknown keys', () => {
    expect(openSchemaObjects(schema)).toEqual([]);
    const bad = { ...JSON.parse(readFileSync(join(BOARDS, 'raspberry-pi-5.json'), 'utf8')), colour: 'red' };
    expect(validate(bad)).toBe(false);
    const badNested = JSON.parse(readFileSync(join(BOARDS, 'raspberry-pi-5.json'), 'utf8')) as { power: Record<string, unknown> };
    badNested.power['peakW'] = 12;
    expect(validate(badNested)).toBe(false);
  });

  it('says where every power figure comes from, and says "estimate" where it is one', () => {
    for (const file of boardFiles) {
      const { power } = JSON.parse(readFileSync(join(BOARDS, file), 'utf8')) as { power: { figuresFrom: string; idleW: number; loadW: number } };
      expect(power.idleW).toBeLessThanOrEqual(power.loadW);
      const cited = /https?:\/\/|Reference Manual|NVIDIA/.test(power.figuresFrom);
      const estimated = /\bestimate\b/.test(power.figuresFrom);
      expect(cited || estimated, `${file}: ${power.figuresFrom}`).toBe(true);
    }
  });

  it('src/hal/board-ids.ts matches the board files (run `npm run boards:ids` when this fails)', async () => {
    expect(readFileSync(BOARD_IDS_FILE, 'utf8')).toBe(await renderBoardIds(BOARDS));
    expect([...SHIPPED_BOARD_IDS]).toEqual(boardFiles.map((f) => f.replace(/\.json$/, '')));
  });
});

describe('loadBoards / getBoard', () => {
  let dir = '';
  const saved = process.env['TINYEDGE_BOARDS'];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tinyedge-boards-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    if (saved === undefined) delete process.env['TINYEDGE_BOARDS'];
    else process.env['TINYEDGE_BOARDS'] = saved;
  });

  async function userDir(name: string, files: Record<string, unknown>): Promise<string> {
    const d = join(dir, name);
    await mkdir(d, { recursive: true });
    for (const [file, body] of Object.entries(files)) await writeFile(join(d, file), typeof body === 'string' ? body : JSON.stringify(body));
    return d;
  }

  it('finds the shipped boards directory from the sources', () => {
    expect(shippedBoardsDir()).toBe(BOARDS.replace(/\/$/, ''));
  });

  it('loads every shipped profile, typed, without the $schema key', async () => {
    const boards = await loadBoards({ dir: [] });
    expect(boards.map((b) => b.id)).toEqual([...SHIPPED_BOARD_IDS]);
    const pi5 = boards.find((b) => b.id === 'raspberry-pi-5');
    expect(pi5?.match.piRevisionType).toEqual([0x17]);
    expect(pi5).not.toHaveProperty('$schema');
  });

  it('overrides single fields of a shipped board (deep merge; arrays replace; null removes)', async () => {
    const d = await userDir('override', {
      'raspberry-pi-5.json': { id: 'raspberry-pi-5', inference: { threads: 3 }, power: { idleW: 2.1 }, leds: [{ name: 'ACT', role: 'activity' }], notes: null },
    });
    process.env['TINYEDGE_BOARDS'] = d;
    const pi5 = await getBoard('raspberry-pi-5');
    expect(pi5.inference).toEqual({ threads: 3, backend: 'native' });
    expect(pi5.power.idleW).toBe(2.1);
    expect(pi5.power.loadW).toBe(9.7); // untouched sibling
    expect(pi5.power.sensors[0]).toEqual({ kind: 'pmic' });
    expect(pi5.leds).toEqual([{ name: 'ACT', role: 'activity' }]);
    expect(pi5).not.toHaveProperty('notes');
    const catalog = await loadBoardCatalog();
    const entry = catalog.find((e) => e.profile.id === 'raspberry-pi-5');
    expect(entry?.source).toBe('overridden');
    expect(entry?.files).toEqual([join(BOARDS, 'raspberry-pi-5.json'), join(d, 'raspberry-pi-5.json')]);
    // The shipped profile is untouched without the user directory.
    expect((await getBoard('raspberry-pi-5', { dir: [] })).inference.threads).toBe(4);
  });

  it('adds user boards from several TINYEDGE_BOARDS directories, before the shipped ones', async () => {
    const base = JSON.parse(readFileSync(join(BOARDS, 'generic-linux-arm64.json'), 'utf8')) as Record<string, unknown>;
    const a = await userDir('a', { 'rock-4.json': { ...base, id: 'rock-4', name: 'Radxa ROCK 4', match: { deviceTreeModel: '^Radxa ROCK' } } });
    const b = await userDir('b', { 'my-box.json': { ...base, id: 'my-box', name: 'My box', match: {} } });
    process.env['TINYEDGE_BOARDS'] = [a, b].join(delimiter);
    const catalog = await loadBoardCatalog();
    expect(catalog.slice(0, 2).map((e) => [e.profile.id, e.source])).toEqual([['my-box', 'user'], ['rock-4', 'user']]);
    expect(catalog).toHaveLength(SHIPPED_BOARD_IDS.length + 2);
    expect((await getBoard('rock-4')).name).toBe('Radxa ROCK 4');
  });

  it('rejects a user file with an unknown key, naming the file and the key', async () => {
    const d = await userDir('unknown-key', { 'raspberry-pi-4-b.json': { id: 'raspberry-pi-4-b', power: { idleW: 2, peakW: 9 } } });
    const err = await rejection(loadBoards({ dir: d }));
    expect(isTinyEdgeError(err, 'E_BOARD_PROFILE')).toBe(true);
    expect((err as Error).message).toContain(join(d, 'raspberry-pi-4-b.json'));
    expect((err as Error).message).toContain('"peakW"');
  });

  it('rejects broken JSON, an id that is not the file name, a bad regex, idle above load, and a duplicate id', async () => {
    const base = JSON.parse(readFileSync(join(BOARDS, 'generic-linux-arm64.json'), 'utf8')) as Record<string, unknown>;
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ 'x.json': '{ "id": "x", ' }, /not valid JSON/],
      [{ 'x.json': { ...base, id: 'y' } }, /"id" is "y" but the file is named x\.json/],
      [{ 'x.json': { ...base, id: 'x', match: { deviceTreeModel: '(' } } }, /not a valid regular expression/],
      [{ 'x.json': { ...base, id: 'x', power: { ...(base['power'] as object), idleW: 9, loadW: 3 } } }, /idleW \(9 W\) exceeds/],
      [{ 'x.json': { ...base, id: 'x', arch: 'riscv64' } }, /\/arch must be equal to one of the allowed values/],
    ];
    for (const [i, [files, message]] of cases.entries()) {
      const err = await rejection(loadBoards({ dir: await userDir(`bad-${i}`, files) }));
      expect(isTinyEdgeError(err, 'E_BOARD_PROFILE'), String(err)).toBe(true);
      expect((err as Error).message).toMatch(message);
    }
    const one = await userDir('dup-1', { 'orange-pi-5.json': { id: 'orange-pi-5', inference: { threads: 2 } } });
    const two = await userDir('dup-2', { 'orange-pi-5.json': { id: 'orange-pi-5', inference: { threads: 6 } } });
    const dup = await rejection(loadBoards({ dir: [one, two] }));
    expect(isTinyEdgeError(dup, 'E_BOARD_PROFILE')).toBe(true);
    expect((dup as Error).message).toContain('also defined by');
  });

  it('says which id is unknown, and which directory is missing', async () => {
    const unknown = await rejection(getBoard('raspberry-pi-6', { dir: [] }));
    expect(isTinyEdgeError(unknown, 'E_BOARD_UNKNOWN')).toBe(true);
    expect((unknown as { hint: string }).hint).toContain('raspberry-pi-5');
    const missing = await rejection(loadBoards({ dir: join(dir, 'no-such-dir') }));
    expect(isTinyEdgeError(missing, 'E_NOT_FOUND')).toBe(true);
    expect((missing as { hint: string }).hint).toContain('TINYEDGE_BOARDS');
    await expect(getBoard('' as string)).rejects.toThrow(TypeError);
  });
});
